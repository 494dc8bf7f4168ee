/**
 * A bar of how much of something is used (licenses of a product): green, orange from 90 %, red
 * over 100 %. Only a picture: the numbers beside it are what assistive technology reads (Spectrum's
 * Meter gives its bar a `meter progressbar` role whose value attributes axe rejects).
 */
export function UsageBar({ used, total, title }: { used: number; total: number; title: string }) {
  const share = total > 0 ? Math.min(1, used / total) : used > 0 ? 1 : 0;
  const level = used > total ? 'critical' : total > 0 && used / total >= 0.9 ? 'warning' : 'positive';
  return (
    <div className="usher-usage-bar" data-level={level} title={title} aria-hidden="true">
      <div style={{ width: `${Math.round(share * 100)}%` }} />
    </div>
  );
}
