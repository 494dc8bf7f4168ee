import { useNumberFormatter } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { CappedCount } from './types.ts';

/** A count as a person reads it: "2,350", or "more than 10,000" where counting stopped. */
export function useCountText() {
  const { t } = useTranslation();
  const number = useNumberFormatter();
  return (count: CappedCount) =>
    count.exact ? number.format(count.total) : t('common.moreThan', { n: number.format(count.total) });
}
