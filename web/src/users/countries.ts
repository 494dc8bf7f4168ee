/**
 * Country names (ISO 3166-1 alpha-2) in the console languages, from i18n-iso-countries, for the
 * country pickers and for showing a user's country.
 */
import countries from 'i18n-iso-countries';
import cs from 'i18n-iso-countries/langs/cs.json';
import en from 'i18n-iso-countries/langs/en.json';
import fi from 'i18n-iso-countries/langs/fi.json';
import pl from 'i18n-iso-countries/langs/pl.json';
import ru from 'i18n-iso-countries/langs/ru.json';
import type { Locale } from '../../../shared/contracts.ts';

for (const data of [en, pl, ru, cs, fi]) {
  countries.registerLocale(data);
}

export interface CountryItem {
  /** The alpha-2 code, e.g. PL. */
  id: string;
  name: string;
}

const cache = new Map<Locale, CountryItem[]>();

/** Every country with its name in the language, sorted by that name. */
export function countryItems(locale: Locale): CountryItem[] {
  let items = cache.get(locale);
  if (!items) {
    const names = countries.getNames(locale, { select: 'official' });
    const collator = new Intl.Collator(locale);
    items = Object.entries(names)
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => collator.compare(a.name, b.name));
    cache.set(locale, items);
  }
  return items;
}

/** A country's name in the language, or the code itself when it is not known. */
export function countryName(code: string | null, locale: Locale): string | null {
  if (!code) {
    return null;
  }
  return countries.getName(code, locale, { select: 'official' }) ?? code;
}
