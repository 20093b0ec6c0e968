// /offers/:token — a waitlist offer from the email: what is offered, held until when; accept or decline.
import { api } from './api.js';
import { h, stepHeading, announce, errorBox } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { createPage } from './page.js';

export async function offerPage(root, token, setRerender) {
  const base = `/v1/public/offers/${encodeURIComponent(token)}`;
  const state = { offer: null };
  const { go, act, start } = createPage({
    root,
    setRerender,
    state,
    view,
    titleKey: 'offerTitle',
    hospital: () => (state.offer ? { name: state.offer.hospitalName } : null),
    gone: { titleKey: 'offerTitle', textKey: 'offerNotFound', id: 'offer-gone' },
  });
  const accept = () =>
    act(
      async () => {
        announce(t('offerAccepting'));
        await api('POST', `${base}/accept`, {});
      },
      () => go('accepted', 'step-accepted', t('offerAccepted')),
    );
  const decline = () =>
    act(
      async () => {
        await api('POST', `${base}/decline`, {});
      },
      () => go('declined', 'step-declined', t('offerDeclined')),
    );

  function summary() {
    const o = state.offer;
    return h(
      'dl',
      { className: 'summary' },
      h('dt', {}, t('when')),
      h('dd', { id: 'offer-when' }, formatDateTime(o.start, o.timezone)),
      h('dt', {}, t('with')),
      h('dd', { id: 'offer-doctor' }, o.doctorName),
      o.visitTypeName ? [h('dt', {}, t('what')), h('dd', {}, o.visitTypeName)] : null,
      h('dt', {}, t('where')),
      h('dd', {}, o.hospitalName),
    );
  }

  function view() {
    switch (state.step) {
      case 'view':
        return h(
          'section',
          { 'aria-labelledby': 'step-view' },
          stepHeading('step-view', t('offerTitle')),
          h('p', {}, t('offerIntro')),
          errorBox(state.error),
          summary(),
          h('p', { id: 'offer-until' }, t('offerHeldUntil', { until: formatDateTime(state.offer.expiresAt, state.offer.timezone) })),
          h(
            'div',
            { className: 'actions' },
            h('button', { type: 'button', id: 'offer-accept', onclick: accept }, t('offerAccept')),
            h('button', { type: 'button', id: 'offer-decline', onclick: decline }, t('offerDecline')),
          ),
        );
      case 'accepted':
        return h('section', { 'aria-labelledby': 'step-accepted' }, stepHeading('step-accepted', t('offerAccepted')), summary(), h('p', {}, t('offerAcceptedMail')));
      case 'declined':
        return h('section', { 'aria-labelledby': 'step-declined' }, stepHeading('step-declined', t('offerDeclined')));
      case 'answered':
        return h(
          'section',
          { 'aria-labelledby': 'step-answered' },
          stepHeading('step-answered', t('offerTitle')),
          summary(),
          h('p', { role: 'alert', id: 'offer-answered' }, t(state.offer.status === 'accepted' ? 'offerAlreadyAccepted' : state.offer.status === 'declined' ? 'offerAlreadyDeclined' : 'offerExpired')),
        );
    }
  }

  await start(async () => {
    state.offer = (await api('GET', base)).data;
    const open = state.offer.status === 'pending' && new Date(state.offer.expiresAt) > new Date();
    return open ? 'view' : 'answered';
  });
}
