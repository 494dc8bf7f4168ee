/** The overview as the API answers it (GET /api/v1/overview). */
export type { AlertLevel, CappedCount, Overview, ProductSeats } from '../../../shared/api/overview.ts';
