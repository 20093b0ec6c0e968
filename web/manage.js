// /manage/:token — the visit as the patient may see it; cancel (after a second yes), reschedule.
import { api, errorText, tooLateText } from './api.js';
import { h, stepHeading, announce, errorBox, field } from './dom.js';
import { t, formatDateTime, formatDay, addDays, localDateOf, todayIn } from './i18n.js';
import { createPage } from './page.js';
import { createPicker } from './picker.js';

const STATUS_KEYS = { scheduled: 'statusScheduled', cancelled: 'statusCancelled', completed: 'statusCompleted', no_show: 'statusNoShow' };

export async function managePage(root, token, setRerender) {
  const base = `/v1/public/manage/${encodeURIComponent(token)}`;
  const state = { visit: null, picker: null, waitlist: null };
  const { rerender, go, act, start, focus } = createPage({
    root,
    setRerender,
    state,
    view,
    titleKey: 'manageTitle',
    hospital: () => state.visit?.hospital,
    gone: { titleKey: 'manageTitle', textKey: 'manageNotFound' },
  });
  const zone = () => state.visit.hospital.timezone;

  const cancel = () =>
    act(
      async () => {
        state.visit = (await api('POST', `${base}/cancel`, {})).data;
      },
      () => go('cancelled', 'step-cancelled', t('cancelled')),
    );

  function startReschedule() {
    state.picker = createPicker({
      zone: zone(),
      hospital: state.visit.hospital,
      rerender,
      doctorName: null,
      load: async (from, to) => (await api('GET', `${base}/availability?from=${from}&to=${to}`)).data.slots,
      onPick: (slot) =>
        act(
          async () => {
            announce(t('moving'));
            state.visit = (await api('POST', `${base}/reschedule`, { start: slot.start })).data;
            // The defaults follow the new date: wait for something earlier than the visit as it is now.
            state.waitlist = waitlistOf(state.visit);
          },
          () => go('view', 'step-view', t('rescheduled')),
        ),
    });
    go('reschedule', 'step-reschedule');
    state.picker.refresh();
  }

  // The waiting list: an earlier time with the same doctor and visit type, between two local dates
  // (default today .. the day before the visit, as the API's own defaults). A patient already waiting
  // (the API names the entry) is told so, with its dates, and offered no second join.
  const waitlistOf = (visit) =>
    visit.waitlist
      ? { earliest: visit.waitlist.earliest, latest: visit.waitlist.latest, joined: true, error: '' }
      : { earliest: todayIn(zone()), latest: addDays(localDateOf(visit.start, zone()), -1), joined: false, error: '' };
  const joinedText = (wl) => t('waitlistJoined', { from: formatDay(wl.earliest), to: formatDay(wl.latest) });

  function joinWaitlist(event) {
    event.preventDefault();
    const wl = state.waitlist;
    return act(
      async () => {
        // 201 a new entry, 200 the one the patient already had: either way the dates said are the entry's.
        const entry = (await api('POST', `${base}/waitlist`, { earliest: wl.earliest, latest: wl.latest })).data;
        Object.assign(wl, { earliest: entry.earliest, latest: entry.latest });
      },
      () => {
        wl.joined = true;
        wl.error = '';
        focus('waitlist-joined');
        rerender();
        announce(joinedText(wl));
      },
      (err) => {
        // Said next to the form, whose first date takes focus to fix it.
        wl.error = `${t('waitlistFailed')} ${errorText(err, t, state.visit.hospital)}`;
        focus('waitlist-earliest');
        rerender();
        announce(wl.error);
      },
    );
  }

  function waitlistSection() {
    const wl = state.waitlist;
    const heading = h('h3', { id: 'waitlist-heading' }, t('waitlist'));
    if (wl.joined) return h('section', { 'aria-labelledby': 'waitlist-heading', className: 'waitlist' }, heading, h('p', { className: 'notice', id: 'waitlist-joined', tabindex: '-1' }, joinedText(wl)));
    const today = todayIn(zone());
    const date = (id, key) =>
      field(
        id,
        t(key),
        h('input', { id, name: key, type: 'date', required: true, min: today, value: wl[key], 'aria-invalid': wl.error ? 'true' : undefined, oninput: (e) => (wl[key] = e.target.value) }),
      );
    return h(
      'section',
      { 'aria-labelledby': 'waitlist-heading', className: 'waitlist' },
      heading,
      wl.error ? h('p', { id: 'waitlist-error', className: 'error', role: 'alert' }, wl.error) : null,
      h(
        'form',
        { onsubmit: joinWaitlist, novalidate: true },
        h('div', { className: 'filters' }, date('waitlist-earliest', 'earliest'), date('waitlist-latest', 'latest')),
        h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'join-waitlist' }, t('joinWaitlist'))),
      ),
    );
  }

  function summary() {
    const v = state.visit;
    return h(
      'dl',
      { className: 'summary' },
      h('dt', {}, t('when')),
      h('dd', { id: 'visit-when' }, formatDateTime(v.start, zone())),
      h('dt', {}, t('with')),
      h('dd', {}, v.doctor?.name ?? ''),
      v.visitType?.name ? [h('dt', {}, t('what')), h('dd', {}, v.visitType.name)] : null,
      h('dt', {}, t('where')),
      h('dd', {}, v.hospital.name),
      h('dt', {}, t('status')),
      h('dd', { id: 'visit-status' }, t(STATUS_KEYS[v.status] ?? 'statusScheduled')),
      v.resources?.length ? [h('dt', {}, t('room')), h('dd', {}, v.resources.join(', '))] : null,
    );
  }

  function view() {
    switch (state.step) {
      case 'view': {
        const open = state.visit.status === 'scheduled';
        const changeable = open && new Date(state.visit.changeableUntil) > new Date();
        return h(
          'section',
          { 'aria-labelledby': 'step-view' },
          stepHeading('step-view', t('manageTitle')),
          state.notice ? h('p', { className: 'notice', id: 'notice' }, state.notice) : null,
          errorBox(state.error),
          summary(),
          changeable ? h('p', { id: 'changeable-until' }, t('changeableUntil', { when: formatDateTime(state.visit.changeableUntil, zone()) })) : null,
          open && !changeable ? h('p', { id: 'too-late' }, tooLateText(t, state.visit.hospital)) : null,
          changeable
            ? h(
                'div',
                { className: 'actions' },
                h('button', { type: 'button', id: 'reschedule', onclick: startReschedule }, t('reschedule')),
                h('button', { type: 'button', id: 'cancel', onclick: () => go('confirm-cancel', 'step-confirm-cancel') }, t('cancelVisit')),
              )
            : null,
          // Only while the visit can still change: taking an earlier time moves it. Already waiting: said with the dates.
          changeable && (state.waitlist.joined || state.waitlist.latest >= todayIn(zone())) ? waitlistSection() : null,
        );
      }
      case 'confirm-cancel':
        return h(
          'section',
          { 'aria-labelledby': 'step-confirm-cancel' },
          stepHeading('step-confirm-cancel', t('cancelQuestion')),
          errorBox(state.error),
          summary(),
          h(
            'div',
            { className: 'actions' },
            h('button', { type: 'button', id: 'cancel-yes', className: 'danger', onclick: cancel }, t('cancelYes')),
            h('button', { type: 'button', id: 'cancel-no', onclick: () => go('view', 'step-view') }, t('cancelNo')),
          ),
        );
      case 'cancelled':
        return h('section', { 'aria-labelledby': 'step-cancelled' }, stepHeading('step-cancelled', t('cancelled')), summary());
      case 'reschedule':
        return h(
          'section',
          { 'aria-labelledby': 'step-reschedule' },
          stepHeading('step-reschedule', t('chooseNewTime')),
          errorBox(state.error),
          summary(),
          state.picker.view(),
          h('div', { className: 'actions' }, h('button', { type: 'button', id: 'back', onclick: () => go('view', 'step-view') }, t('back'))),
        );
    }
  }

  await start(async () => {
    state.visit = (await api('GET', base)).data;
    state.waitlist = waitlistOf(state.visit);
    return 'view';
  });
}
