import { Flex, Text, useNumberFormatter } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { ProductSeats } from './types.ts';

/** The chart's scale: 120 % of the seats, so demand past 110 % still shows. */
const SCALE = 120;

function share(value: number, total: number): number {
  if (total <= 0) {
    return value > 0 ? SCALE : 0;
  }
  return Math.min(SCALE, (value / total) * 100);
}

/**
 * Licenses per product as horizontal bars: used seats, then the seats the latest bulk run could not
 * assign (striped), against marks at 90, 100 and 110 % of the seats. Each bar is an image named by
 * the same figures its caption shows.
 */
export function LicenseChart({ products }: { products: ProductSeats[] }) {
  const { t } = useTranslation();
  const number = useNumberFormatter();
  return (
    <ul className="usher-chart" data-testid="overview-licenses">
      {products.map((product) => {
        const used = share(product.licensesUsed, product.licenseQuantity);
        const missing = Math.max(
          0,
          share(product.licensesUsed + product.lastRunDeficit, product.licenseQuantity) - used,
        );
        const percent =
          product.licenseQuantity > 0 ? Math.floor((product.licensesUsed * 100) / product.licenseQuantity) : 0;
        const caption = t('overview.licenses.caption', {
          used: number.format(product.licensesUsed),
          total: number.format(product.licenseQuantity),
          percent,
        });
        const deficit =
          product.lastRunDeficit > 0
            ? t('overview.licenses.deficit', { n: number.format(product.lastRunDeficit) })
            : null;
        return (
          <li key={product.id} className="usher-chart-row" data-testid={`overview-product-${product.name}`}>
            <Text UNSAFE_className="usher-chart-name">{product.name}</Text>
            <div
              className="usher-chart-track"
              role="img"
              aria-label={`${product.name}: ${caption}${deficit ? `; ${deficit}` : ''}`}
            >
              <div
                className={`usher-chart-used usher-level-${product.level}`}
                style={{ width: `${(used / SCALE) * 100}%` }}
              />
              {missing > 0 && (
                <div
                  className="usher-chart-missing"
                  style={{ left: `${(used / SCALE) * 100}%`, width: `${(missing / SCALE) * 100}%` }}
                />
              )}
              {[90, 100, 110].map((mark) => (
                <div key={mark} className="usher-chart-mark" style={{ left: `${(mark / SCALE) * 100}%` }} />
              ))}
            </div>
            <Flex direction="column">
              <Text data-testid="overview-product-caption">{caption}</Text>
              {deficit && (
                <Text UNSAFE_className="usher-chart-deficit" data-testid="overview-product-deficit">
                  {deficit}
                </Text>
              )}
            </Flex>
          </li>
        );
      })}
    </ul>
  );
}
