// Choosing a day, then a time, from a window of free slots: the booking page and rescheduling share it.
import { errorText } from './api.js';
import { h, announce, errorBox } from './dom.js';
import { t, addDays, todayIn, formatShortDay, formatDay, formatTime } from './i18n.js';

const WINDOW_DAYS = 14;

/**
 * load(from, to) -> slots [{start, end, doctorId?}] (local dates, inclusive);
 * onPick(slot) when a time is chosen; doctorName(id) labels slots of "any doctor";
 * rerender() redraws the owner's view.
 */
export function createPicker({ zone, load, onPick, doctorName, rerender, hospital }) {
  const state = { from: todayIn(zone), slots: null, day: null, error: '', request: 0 };
  const today = todayIn(zone);

  async function refresh() {
    const request = ++state.request;
    state.slots = null;
    state.error = '';
    rerender();
    try {
      const slots = await load(state.from, addDays(state.from, WINDOW_DAYS - 1));
      if (request !== state.request) return;
      state.slots = slots;
      const days = daysOf(slots);
      if (!days.includes(state.day)) state.day = days[0] ?? null;
      announce(slots.length ? t('slotsFound', { n: slots.length }) : noSlotsText());
    } catch (err) {
      if (request !== state.request) return;
      state.error = errorText(err, t, hospital);
    }
    rerender();
  }

  const noSlotsText = () => t('noSlots', { from: formatDay(state.from), to: formatDay(addDays(state.from, WINDOW_DAYS - 1)) });

  function move(days) {
    const next = addDays(state.from, days);
    state.from = next < today ? today : next;
    refresh();
  }

  function view() {
    const nav = h(
      'div',
      { className: 'window-nav' },
      h('button', { type: 'button', id: 'earlier-days', disabled: state.from <= today, onclick: () => move(-WINDOW_DAYS) }, t('earlierDays')),
      h('button', { type: 'button', id: 'later-days', onclick: () => move(WINDOW_DAYS) }, t('laterDays')),
    );
    if (state.error) return [errorBox(state.error), nav];
    if (!state.slots) return [h('p', { className: 'loading' }, t('loading')), nav];
    if (!state.slots.length) return [h('p', {}, noSlotsText()), nav];
    const days = daysOf(state.slots);
    const dayButtons = days.map((day) =>
      h(
        'button',
        {
          type: 'button',
          id: `day-${day}`,
          className: 'choice',
          'aria-pressed': String(day === state.day),
          onclick: () => {
            state.day = day;
            rerender();
          },
        },
        formatShortDay(day),
      ),
    );
    const slots = state.slots.filter((s) => s.start.slice(0, 10) === state.day);
    const slotButtons = slots.map((slot) => {
      const time = formatTime(slot.start, zone);
      const label = slot.doctorId && doctorName ? t('slotWithDoctor', { time, doctor: doctorName(slot.doctorId) }) : time;
      return h('li', {}, h('button', { type: 'button', className: 'choice slot', id: `slot-${slot.start}-${slot.doctorId ?? ''}`, onclick: () => onPick(slot) }, label));
    });
    return [
      h('fieldset', {}, h('legend', {}, t('day')), h('div', { className: 'choices' }, dayButtons)),
      nav,
      h('fieldset', {}, h('legend', {}, `${t('time')} – ${formatDay(state.day)}`), h('ul', { className: 'choices', role: 'list' }, slotButtons)),
    ];
  }

  return { refresh, view, state };
}

/** The local dates (the first 10 characters of a zoned ISO instant) that have slots, in order. */
const daysOf = (slots) => [...new Set(slots.map((s) => s.start.slice(0, 10)))];
