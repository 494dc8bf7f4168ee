import type { BulkOperation } from '../bulk/types.ts';

/** A count that stops at 10,000: `exact` false reads "more than `total`". */
export interface CappedCount {
  total: number;
  exact: boolean;
}

/** A seat-use threshold reached (% of a product's licenses), or 0. */
export type AlertLevel = 0 | 90 | 100 | 110;

/** One product's seats on the overview. */
export interface ProductSeats {
  id: string;
  name: string;
  licenseQuantity: number;
  licensesUsed: number;
  /** Licenses the latest bulk run could not assign. */
  lastRunDeficit: number;
  level: AlertLevel;
}

/** GET /api/v1/overview: each part null when the admin may not read it. */
export interface Overview {
  users: { active: CappedCount; removed: CappedCount } | null;
  groups: CappedCount | null;
  licenses: {
    products: ProductSeats[];
    lastRun: { id: string; fileName: string; finishedAt: string } | null;
  } | null;
  bulk: BulkOperation[] | null;
  outbox: { queued: CappedCount; failed: CappedCount; held: boolean } | null;
  awaitingDevice:
    | (CappedCount & {
        users: { id: string; email: string; firstName: string | null; lastName: string | null; sentAt: string }[];
      })
    | null;
}
