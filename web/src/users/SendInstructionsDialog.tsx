import { AlertDialog } from '@adobe/react-spectrum';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { errorMessage } from '../errors.ts';
import type { CappedCount } from '../overview/types.ts';
import { useCountText } from '../overview/useCountText.ts';

/**
 * Confirms and sends installation-instructions e-mails (each with a new personal link) to the
 * selected users, or to every user who is not removed.
 */
export function SendInstructionsDialog(props: {
  userIds: string[] | 'all';
  /** "Select all N matching": the list's search and filters (instead of `userIds`), and N as shown. */
  matching?: { filter: Record<string, string>; count: string };
  onSent: (queued: number) => void;
  onFailed: (message: string) => void;
}) {
  const { t } = useTranslation();
  const [pending, setPending] = useState(false);
  const all = props.userIds === 'all';
  const countText = useCountText();
  // "To all": how many people get an e-mail (everyone not removed: active and invited).
  const [recipients, setRecipients] = useState<CappedCount | null>(null);
  useEffect(() => {
    if (!all || props.matching) {
      return;
    }
    const controller = new AbortController();
    Promise.all(
      ['active', 'invited'].map((status) =>
        api.get<CappedCount>(`/api/v1/users/count?status=${status}`, { signal: controller.signal }),
      ),
    )
      .then(([active, invited]) =>
        setRecipients(
          active && invited ? { total: active.total + invited.total, exact: active.exact && invited.exact } : null,
        ),
      )
      .catch(() => setRecipients(null));
    return () => controller.abort();
  }, [all, props.matching]);
  // The dialog closes on "Send"; the result shows on the users page.
  const send = async () => {
    setPending(true);
    try {
      const result = await api.post<{ queued: number }>(
        '/api/v1/users/send-instructions',
        props.matching ? { matching: props.matching.filter } : all ? { all: true } : { userIds: props.userIds },
      );
      props.onSent(result.queued);
    } catch (caught) {
      props.onFailed(errorMessage(t, caught));
    }
  };
  return (
    <AlertDialog
      title={t('instructions.confirmTitle')}
      variant="confirmation"
      primaryActionLabel={t('instructions.send')}
      cancelLabel={t('common.cancel')}
      isPrimaryActionDisabled={pending}
      onPrimaryAction={() => void send()}
      data-testid="send-instructions-dialog"
    >
      {props.matching
        ? t('instructions.confirmMatching', { n: props.matching.count })
        : all
          ? recipients
            ? t('instructions.confirmAllCount', { n: countText(recipients) })
            : t('instructions.confirmAll')
          : t('instructions.confirmSelected', { n: props.userIds.length })}
    </AlertDialog>
  );
}
