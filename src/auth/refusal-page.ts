import { LOCALES, type Locale } from '../../shared/contracts.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import { SsoErrorCodes } from './sso.service.ts';

/** The words of the page, per console language. */
interface RefusalTexts {
  title: string;
  back: string;
  details: string;
  /** What went wrong, per error code; `default` for any other. */
  messages: Record<string, string>;
}

const TEXTS: Record<Locale, RefusalTexts> = {
  en: {
    title: 'Sign-in refused',
    back: 'Back to sign-in',
    details: 'Details',
    messages: {
      [SsoErrorCodes.notAnAdmin]:
        'You signed in at your identity provider, but you are not an administrator of this organization in Usher. Ask one of its administrators for access.',
      [SsoErrorCodes.noEmail]:
        'Your identity provider did not say which e-mail you signed in with. Ask a system admin to have it send your e-mail.',
      [SsoErrorCodes.tokenRejected]:
        "The identity provider's answer was not accepted. Start again from the sign-in page, or ask a system admin to check the identity provider's settings.",
      [SsoErrorCodes.invalidState]:
        'This sign-in was already used, has expired, or was started in another browser. Start again from the sign-in page.',
      [SsoErrorCodes.notFederated]:
        'This e-mail does not sign in through an identity provider. Sign in with your password.',
      [SsoErrorCodes.providerUnavailable]: 'The identity provider could not be reached. Try again later.',
      [AuthErrorCodes.rateLimited]: 'Too many sign-in attempts from this address. Wait a while and try again.',
      default: 'The sign-in could not be completed. Start again from the sign-in page.',
    },
  },
  fi: {
    title: 'Kirjautuminen estetty',
    back: 'Takaisin kirjautumiseen',
    details: 'Lisätiedot',
    messages: {
      [SsoErrorCodes.notAnAdmin]:
        'Kirjauduit tunnistuspalveluusi, mutta et ole tämän organisaation ylläpitäjä Usherissa. Pyydä käyttöoikeutta joltakin sen ylläpitäjältä.',
      [SsoErrorCodes.noEmail]:
        'Tunnistuspalvelusi ei kertonut, millä sähköpostiosoitteella kirjauduit. Pyydä järjestelmänvalvojaa määrittämään se lähettämään sähköpostiosoitteesi.',
      [SsoErrorCodes.tokenRejected]:
        'Tunnistuspalvelun vastausta ei hyväksytty. Aloita alusta kirjautumissivulta tai pyydä järjestelmänvalvojaa tarkistamaan tunnistuspalvelun asetukset.',
      [SsoErrorCodes.invalidState]:
        'Tämä kirjautuminen on jo käytetty, vanhentunut tai aloitettu toisessa selaimessa. Aloita alusta kirjautumissivulta.',
      [SsoErrorCodes.notFederated]:
        'Tämä sähköpostiosoite ei kirjaudu tunnistuspalvelun kautta. Kirjaudu salasanallasi.',
      [SsoErrorCodes.providerUnavailable]: 'Tunnistuspalveluun ei saatu yhteyttä. Yritä myöhemmin uudelleen.',
      [AuthErrorCodes.rateLimited]:
        'Liian monta kirjautumisyritystä tästä osoitteesta. Odota hetki ja yritä uudelleen.',
      default: 'Kirjautumista ei voitu viedä loppuun. Aloita alusta kirjautumissivulta.',
    },
  },
  cs: {
    title: 'Přihlášení odmítnuto',
    back: 'Zpět na přihlášení',
    details: 'Podrobnosti',
    messages: {
      [SsoErrorCodes.notAnAdmin]:
        'Přihlásili jste se u svého poskytovatele identity, ale v Usheru nejste správcem této organizace. Požádejte o přístup některého z jejích správců.',
      [SsoErrorCodes.noEmail]:
        'Váš poskytovatel identity neuvedl, jakým e-mailem jste se přihlásili. Požádejte systémového správce, aby jej nastavil na odesílání vašeho e-mailu.',
      [SsoErrorCodes.tokenRejected]:
        'Odpověď poskytovatele identity nebyla přijata. Začněte znovu na přihlašovací stránce nebo požádejte systémového správce o kontrolu nastavení poskytovatele identity.',
      [SsoErrorCodes.invalidState]:
        'Toto přihlášení již bylo použito, vypršelo nebo bylo zahájeno v jiném prohlížeči. Začněte znovu na přihlašovací stránce.',
      [SsoErrorCodes.notFederated]: 'Tento e-mail se nepřihlašuje přes poskytovatele identity. Přihlaste se heslem.',
      [SsoErrorCodes.providerUnavailable]: 'Poskytovatel identity není dostupný. Zkuste to později.',
      [AuthErrorCodes.rateLimited]:
        'Příliš mnoho pokusů o přihlášení z této adresy. Chvíli počkejte a zkuste to znovu.',
      default: 'Přihlášení se nepodařilo dokončit. Začněte znovu na přihlašovací stránce.',
    },
  },
  pl: {
    title: 'Logowanie odrzucone',
    back: 'Wróć do logowania',
    details: 'Szczegóły',
    messages: {
      [SsoErrorCodes.notAnAdmin]:
        'Zalogowano się u dostawcy tożsamości, ale nie jesteś administratorem tej organizacji w Usherze. Poproś o dostęp jednego z jej administratorów.',
      [SsoErrorCodes.noEmail]:
        'Dostawca tożsamości nie podał, jakim adresem e-mail się zalogowano. Poproś administratora systemu, aby skonfigurował wysyłanie adresu e-mail.',
      [SsoErrorCodes.tokenRejected]:
        'Odpowiedź dostawcy tożsamości nie została przyjęta. Zacznij od nowa na stronie logowania lub poproś administratora systemu o sprawdzenie ustawień dostawcy tożsamości.',
      [SsoErrorCodes.invalidState]:
        'To logowanie zostało już użyte, wygasło lub rozpoczęto je w innej przeglądarce. Zacznij od nowa na stronie logowania.',
      [SsoErrorCodes.notFederated]: 'Ten adres e-mail nie loguje się przez dostawcę tożsamości. Zaloguj się hasłem.',
      [SsoErrorCodes.providerUnavailable]: 'Nie można połączyć się z dostawcą tożsamości. Spróbuj później.',
      [AuthErrorCodes.rateLimited]: 'Zbyt wiele prób logowania z tego adresu. Odczekaj chwilę i spróbuj ponownie.',
      default: 'Nie udało się dokończyć logowania. Zacznij od nowa na stronie logowania.',
    },
  },
  ru: {
    title: 'Вход отклонён',
    back: 'Вернуться ко входу',
    details: 'Подробности',
    messages: {
      [SsoErrorCodes.notAnAdmin]:
        'Вы вошли у своего поставщика удостоверений, но не являетесь администратором этой организации в Usher. Попросите доступ у одного из её администраторов.',
      [SsoErrorCodes.noEmail]:
        'Ваш поставщик удостоверений не сообщил, с каким e-mail вы вошли. Попросите системного администратора настроить передачу e-mail.',
      [SsoErrorCodes.tokenRejected]:
        'Ответ поставщика удостоверений не принят. Начните заново со страницы входа или попросите системного администратора проверить настройки поставщика удостоверений.',
      [SsoErrorCodes.invalidState]:
        'Этот вход уже использован, истёк или был начат в другом браузере. Начните заново со страницы входа.',
      [SsoErrorCodes.notFederated]: 'Этот e-mail не входит через поставщика удостоверений. Войдите с паролем.',
      [SsoErrorCodes.providerUnavailable]: 'Поставщик удостоверений недоступен. Попробуйте позже.',
      [AuthErrorCodes.rateLimited]: 'Слишком много попыток входа с этого адреса. Подождите и попробуйте снова.',
      default: 'Не удалось завершить вход. Начните заново со страницы входа.',
    },
  },
};

/** The first console language the browser asks for (Accept-Language), else English. */
export function refusalLocale(acceptLanguage: string | undefined): Locale {
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((param) => param.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      );
      return { language: tag.toLowerCase().split('-')[0] ?? '', q: Number.isFinite(q) ? q : 0 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return (
    (wanted.map((entry) => entry.language).find((language) => (LOCALES as readonly string[]).includes(language)) as
      | Locale
      | undefined) ?? 'en'
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page a browser gets when it comes back from the identity provider (or starts a sign-in) and
 * cannot be signed in, in the browser's language: what went wrong and what to do, with the
 * server's exact reason under Details where it helps a system admin (a rejected answer).
 * @param code the error code
 * @param detail the error's own message (English)
 * @param acceptLanguage the browser's Accept-Language
 */
export function refusalPage(code: string, detail: string, acceptLanguage: string | undefined): string {
  const locale = refusalLocale(acceptLanguage);
  const texts = TEXTS[locale];
  const message = texts.messages[code] ?? texts.messages.default ?? '';
  const showDetail =
    code === SsoErrorCodes.tokenRejected || code === AuthErrorCodes.rateLimited || texts.messages[code] === undefined;
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(texts.title)} — Usher</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>${escapeHtml(texts.title)}</h1><p data-testid="sso-error">${escapeHtml(message)}</p>${
    showDetail
      ? `<details><summary>${escapeHtml(texts.details)}</summary><p lang="en" data-testid="sso-error-detail">${escapeHtml(detail)}</p></details>`
      : ''
  }<p><a href="/">${escapeHtml(texts.back)}</a></p></body></html>`;
}
