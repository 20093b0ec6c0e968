// The frame every page shares: its step, the title, rendering with focus, actions that say their errors, the first load, a dead link.
import { errorText } from './api.js';
import { h, render, stepHeading, announce, errorBox } from './dom.js';
import { t } from './i18n.js';

/**
 * view() draws the page's own steps; the frame draws 'loading', 'failed' and
 * 'gone'. titleKey names the page (h1 and <title>, with the hospital once
 * hospital() knows it); gone {titleKey, textKey, id} is what a dead link (404)
 * shows, or null when a 404 is an ordinary failure. The state is the page's
 * own object with the frame's fields added.
 */
export function createPage({ root, setRerender, state, view, titleKey, hospital = () => null, gone = null }) {
  Object.assign(state, { step: 'loading', error: '', notice: '', busy: false });
  let focusNext = null;

  function setTitle() {
    const name = hospital()?.name;
    const title = t(titleKey);
    document.getElementById('title').textContent = name ?? title;
    document.title = name ? `${title} – ${name}` : title;
  }

  function frameView() {
    switch (state.step) {
      case 'loading':
        return h('p', { className: 'loading' }, t('loading'));
      case 'failed':
        return errorBox(state.error);
      case 'gone':
        return h('section', { 'aria-labelledby': 'step-gone' }, stepHeading('step-gone', t(gone.titleKey)), h('p', { role: 'alert', id: gone.id }, t(gone.textKey)));
      default:
        return view();
    }
  }

  /** Redraws; focus goes to `focus(id)`'s element when one was asked for, else stays where it was. */
  function rerender() {
    setTitle();
    render(root, frameView(), focusNext);
    focusNext = null;
  }
  setRerender(rerender);

  const focus = (id) => {
    focusNext = id;
  };

  /** A new step, its heading focused, an optional notice shown and announced. */
  function go(step, headingId, notice = '') {
    state.step = step;
    state.error = '';
    state.notice = notice;
    focusNext = headingId;
    rerender();
    if (notice) announce(notice);
  }

  /** An error in words, shown and announced; focus to `focusId` when given (the field to fix). */
  function fail(text, focusId) {
    state.error = text;
    focusNext = focusId ?? null;
    rerender();
    announce(text);
  }

  /**
   * Runs one action at a time; on success after(), on a 404 the dead-link step
   * (when the page has one), otherwise onError(err) or the error in words.
   */
  async function act(work, after, onError = (err) => fail(errorText(err, t, hospital()))) {
    if (state.busy) return;
    state.busy = true;
    try {
      await work();
      after();
    } catch (err) {
      if (gone && err.status === 404) go('gone', 'step-gone');
      else onError(err);
    } finally {
      state.busy = false;
    }
  }

  /** The first load: load() answers the first step; a 404 is the dead link (or notFoundKey's text), anything else its error. */
  async function start(load, { notFoundKey } = {}) {
    rerender();
    try {
      state.step = await load();
    } catch (err) {
      state.step = gone && err.status === 404 ? 'gone' : 'failed';
      state.error = notFoundKey && err.status === 404 ? t(notFoundKey) : errorText(err, t);
    }
    rerender();
  }

  return { rerender, go, fail, act, start, focus };
}
