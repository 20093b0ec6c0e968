// /book/:subdomain — choose, hold, give a contact, confirm with the code, done.
import { api, all, errorText } from './api.js';
import { h, stepHeading, announce, errorBox, field } from './dom.js';
import { t, language, formatDateTime, formatTime } from './i18n.js';
import { createPage } from './page.js';
import { createPicker } from './picker.js';

export async function bookingPage(root, subdomain, setRerender) {
  const base = `/v1/public/hospitals/${encodeURIComponent(subdomain)}`;
  const state = {
    hospital: null,
    visitTypes: [],
    doctors: [],
    visitTypeId: '',
    doctorId: '',
    hold: null,
    contact: { name: '', email: '', phone: '' },
    code: '',
    sentTo: '',
    appointment: null,
  };
  // A 404 here is an unknown hospital, said as a failure: the page has no link to go dead.
  const { rerender, go, fail, start } = createPage({ root, setRerender, state, view, titleKey: 'title', hospital: () => state.hospital });
  let picker = null;

  const doctorName = (id) => state.doctors.find((d) => d.id === id)?.name ?? '';
  const visitType = () => state.visitTypes.find((v) => v.id === state.visitTypeId) ?? null;
  const doctorsOffered = () => {
    const vt = visitType();
    return vt ? state.doctors.filter((d) => vt.doctorIds.includes(d.id)) : state.doctors;
  };

  function newPicker() {
    const { visitTypeId, doctorId } = state;
    if (!visitTypeId && !doctorId) {
      picker = null;
      rerender();
      return;
    }
    picker = createPicker({
      zone: state.hospital.timezone,
      hospital: state.hospital,
      rerender,
      doctorName: doctorId ? null : doctorName,
      onPick: hold,
      load: async (from, to) => {
        const range = `from=${from}&to=${to}`;
        if (!doctorId) return (await api('GET', `${base}/visit-types/${visitTypeId}/availability?${range}`)).data.slots;
        const typed = visitTypeId ? `&visitTypeId=${visitTypeId}` : '';
        return (await api('GET', `${base}/doctors/${doctorId}/availability?${range}${typed}`)).data.slots.map((s) => ({ ...s, doctorId }));
      },
    });
    picker.refresh();
  }

  async function hold(slot) {
    if (state.busy) return;
    state.busy = true;
    announce(t('holding'));
    try {
      const body = { start: slot.start, doctorId: slot.doctorId, ...(state.visitTypeId ? { visitTypeId: state.visitTypeId } : {}) };
      state.hold = (await api('POST', `${base}/holds`, body)).data;
      go('contact', 'step-contact');
      announce(heldText());
    } catch (err) {
      state.error = errorText(err, t, state.hospital);
      rerender();
      announce(state.error);
      picker.refresh();
    } finally {
      state.busy = false;
    }
  }

  const heldText = () => {
    const zone = state.hospital.timezone;
    return t('heldUntil', { when: formatDateTime(state.hold.start, zone), until: formatTime(state.hold.expiresAt, zone) });
  };

  async function sendCode(event) {
    event?.preventDefault();
    const { name, email, phone } = state.contact;
    if (!name.trim()) return fail(t('nameRequired'), 'name');
    if (!email.trim() && !phone.trim()) return fail(t('emailOrPhone'), 'email');
    const contact = { name: name.trim(), ...(email.trim() ? { email: email.trim() } : { phone: phone.trim() }), language: language() };
    state.busy = true;
    try {
      await api('POST', `/v1/public/holds/${state.hold.id}/contact`, contact);
      state.sentTo = contact.email ?? contact.phone;
      go('code', 'step-code');
      announce(t('codeSent', { to: state.sentTo }));
    } catch (err) {
      failApi(err);
    } finally {
      state.busy = false;
    }
  }

  async function confirm(event) {
    event.preventDefault();
    const code = state.code.trim();
    if (!/^\d{6}$/.test(code)) return fail(t('codeFormat'), 'code');
    state.busy = true;
    try {
      state.appointment = (await api('POST', `/v1/public/holds/${state.hold.id}/confirm`, { code })).data;
      go('done', 'step-done');
      announce(t('booked'));
    } catch (err) {
      failApi(err);
    } finally {
      state.busy = false;
    }
  }

  function failApi(err) {
    if (err.code === 'HOLD_EXPIRED' || err.status === 404) {
      // The hold is gone: back to choosing, with the reason.
      state.hold = null;
      go('choose', 'step-choose');
      state.error = errorText(err, t, state.hospital);
      rerender();
      announce(state.error);
      picker?.refresh();
      return;
    }
    fail(errorText(err, t, state.hospital));
  }

  const bind = (key) => (event) => {
    state.contact[key] = event.target.value;
  };

  function view() {
    const zone = state.hospital?.timezone;
    switch (state.step) {
      case 'choose':
        return chooseView();
      case 'contact':
        return h(
          'section',
          { 'aria-labelledby': 'step-contact' },
          stepHeading('step-contact', t('yourDetails')),
          h('p', { className: 'held' }, heldText()),
          errorBox(state.error),
          h(
            'form',
            { onsubmit: sendCode, novalidate: true },
            field('name', t('name'), h('input', { id: 'name', name: 'name', autocomplete: 'name', required: true, value: state.contact.name, oninput: bind('name') })),
            field('email', t('email'), h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'email', value: state.contact.email, oninput: bind('email') }), t('emailHint')),
            field('phone', t('phone'), h('input', { id: 'phone', name: 'phone', type: 'tel', autocomplete: 'tel', value: state.contact.phone, oninput: bind('phone') }), t('phoneHint')),
            h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'send-code', className: 'primary' }, t('sendCode')), h('button', { type: 'button', id: 'other-time', onclick: () => backToChoose() }, t('otherTime'))),
          ),
        );
      case 'code':
        return h(
          'section',
          { 'aria-labelledby': 'step-code' },
          stepHeading('step-code', t('enterCode')),
          h('p', {}, t('codeSent', { to: state.sentTo })),
          errorBox(state.error),
          h(
            'form',
            { onsubmit: confirm, novalidate: true },
            field('code', t('code'), h('input', { id: 'code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', required: true, value: state.code, oninput: (e) => (state.code = e.target.value) })),
            h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'confirm', className: 'primary' }, t('confirm')), h('button', { type: 'button', id: 'resend', onclick: () => sendCode() }, t('resendCode'))),
          ),
        );
      case 'done': {
        const a = state.appointment;
        const doctorId = a.doctorId ?? state.hold.doctorId;
        const typeName = a.visitType?.name ?? visitType()?.name;
        return h(
          'section',
          { 'aria-labelledby': 'step-done' },
          stepHeading('step-done', t('booked')),
          h(
            'dl',
            { className: 'summary' },
            h('dt', {}, t('when')),
            h('dd', {}, formatDateTime(a.start ?? state.hold.start, zone)),
            h('dt', {}, t('with')),
            h('dd', {}, a.doctor?.name ?? doctorName(doctorId)),
            typeName ? [h('dt', {}, t('what')), h('dd', {}, typeName)] : null,
            h('dt', {}, t('where')),
            h('dd', {}, state.hospital.name),
          ),
          h('p', { id: 'link-sent' }, t('linkSent', { to: state.sentTo })),
          h('p', {}, h('a', { href: location.pathname }, t('bookAnother'))),
        );
      }
    }
  }

  function backToChoose() {
    state.hold = null;
    go('choose', 'step-choose');
    picker?.refresh();
  }

  function chooseView() {
    const types = h(
      'select',
      {
        id: 'visit-type',
        onchange: (e) => {
          state.visitTypeId = e.target.value;
          if (state.doctorId && !doctorsOffered().some((d) => d.id === state.doctorId)) state.doctorId = '';
          newPicker();
        },
      },
      h('option', { value: '', selected: !state.visitTypeId }, t('noVisitType')),
      state.visitTypes.map((v) => h('option', { value: v.id, selected: v.id === state.visitTypeId }, `${v.name} (${t('minutes', { n: v.durationMinutes })})`)),
    );
    const doctors = h(
      'select',
      {
        id: 'doctor',
        onchange: (e) => {
          state.doctorId = e.target.value;
          newPicker();
        },
      },
      h('option', { value: '', selected: !state.doctorId }, state.visitTypeId ? t('anyDoctor') : t('chooseDoctor')),
      doctorsOffered().map((d) => h('option', { value: d.id, selected: d.id === state.doctorId }, d.specialization ? `${d.name} – ${d.specialization}` : d.name)),
    );
    return h(
      'section',
      { 'aria-labelledby': 'step-choose' },
      stepHeading('step-choose', t('title')),
      errorBox(state.error),
      h('div', { className: 'filters' }, state.visitTypes.length ? field('visit-type', t('visitType'), types) : null, field('doctor', t('doctor'), doctors)),
      picker ? picker.view() : h('p', {}, t('chooseTypeOrDoctor')),
    );
  }

  await start(
    async () => {
      const [hospital, visitTypes, doctors] = await Promise.all([api('GET', base), all(`${base}/visit-types`), all(`${base}/doctors`)]);
      state.hospital = hospital.data;
      state.visitTypes = visitTypes;
      state.doctors = doctors;
      state.visitTypeId = visitTypes[0]?.id ?? '';
      return 'choose';
    },
    { notFoundKey: 'hospitalNotFound' },
  );
  if (state.step === 'choose') newPicker();
}
