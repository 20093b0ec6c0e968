// /offers/:token — a waitlist offer from the email: what is offered, held until when; accept or decline.
import { api, errorText } from './api.js';
import { h, render, stepHeading, announce, errorBox } from './dom.js';
import { t, formatDateTime } from './i18n.js';

export async function offerPage(root, token, setRerender) {
  const base = `/v1/public/offers/${encodeURIComponent(token)}`;
  const state = { step: 'loading', offer: null, error: '', busy: false };
  let focusNext = null;
  const rerender = () => {
    const hospital = state.offer?.hospitalName;
    document.getElementById('title').textContent = hospital ?? t('offerTitle');
    document.title = hospital ? `${t('offerTitle')} – ${hospital}` : t('offerTitle');
    render(root, view(), focusNext);
    focusNext = null;
  };
  setRerender(rerender);

  const go = (step, headingId, notice = '') => {
    state.step = step;
    state.error = '';
    focusNext = headingId;
    rerender();
    if (notice) announce(notice);
  };

  async function act(work, step, headingId, notice) {
    if (state.busy) return;
    state.busy = true;
    try {
      await work();
      go(step, headingId, notice());
    } catch (err) {
      if (err.status === 404) {
        go('gone', 'step-gone');
        return;
      }
      state.error = errorText(err, t);
      rerender();
      announce(state.error);
    } finally {
      state.busy = false;
    }
  }

  const accept = () =>
    act(
      async () => {
        announce(t('offerAccepting'));
        await api('POST', `${base}/accept`, {});
      },
      'accepted',
      'step-accepted',
      () => t('offerAccepted'),
    );
  const decline = () =>
    act(
      async () => {
        await api('POST', `${base}/decline`, {});
      },
      'declined',
      'step-declined',
      () => t('offerDeclined'),
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
      case 'loading':
        return h('p', { className: 'loading' }, t('loading'));
      case 'gone':
        return h('section', { 'aria-labelledby': 'step-gone' }, stepHeading('step-gone', t('offerTitle')), h('p', { role: 'alert', id: 'offer-gone' }, t('offerNotFound')));
      case 'failed':
        return errorBox(state.error);
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

  rerender();
  try {
    state.offer = (await api('GET', base)).data;
    const open = state.offer.status === 'pending' && new Date(state.offer.expiresAt) > new Date();
    state.step = open ? 'view' : 'answered';
  } catch (err) {
    state.step = err.status === 404 ? 'gone' : 'failed';
    state.error = errorText(err, t);
  }
  rerender();
}
