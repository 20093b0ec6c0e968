// Entry point: the language switch, then the page the path names.
import { h } from './dom.js';
import { LANGUAGES, language, setLanguage, t } from './i18n.js';
import { bookingPage } from './book.js';
import { managePage } from './manage.js';
import { offerPage } from './offer.js';

let rerender = () => {};
const setRerender = (fn) => {
  rerender = fn;
};

function languageSwitch() {
  const nav = document.getElementById('languages');
  nav.setAttribute('aria-label', t('languageLabel'));
  nav.replaceChildren(
    h(
      'ul',
      { role: 'list' },
      LANGUAGES.map(({ code, name }) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              lang: code,
              id: `lang-${code}`,
              'aria-pressed': String(code === language()),
              onclick: () => {
                setLanguage(code);
                document.querySelector('.skip').textContent = t('skip');
                languageSwitch();
                rerender();
                // The buttons were redrawn: focus stays on the one just pressed.
                document.getElementById(`lang-${code}`).focus();
              },
            },
            name,
          ),
        ),
      ),
    ),
  );
}

const root = document.getElementById('view');
const [, page, param = ''] = location.pathname.split('/');
languageSwitch();
if (page === 'book') bookingPage(root, decodeURIComponent(param), setRerender);
else if (page === 'manage') managePage(root, decodeURIComponent(param), setRerender);
else if (page === 'offers') offerPage(root, decodeURIComponent(param), setRerender);
