import { ActionButton, AlertDialog, Button, DialogTrigger } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';

interface ConfirmButtonProps {
  label: string;
  /** The accessible name of the button when the label alone is ambiguous (a row's action). */
  ariaLabel?: string;
  title: string;
  text: string;
  /** The alert's confirming button, where it says more than the label (default: the label). */
  confirmLabel?: string;
  onConfirm: () => void;
  testId: string;
  isQuiet?: boolean;
  /** The page button's tone: negative (the default) or secondary beside a page's main action. */
  buttonVariant?: 'negative' | 'secondary';
  isDisabled?: boolean;
  /** The alert's tone: destructive (the default) or warning for an action that can be redone. */
  variant?: 'destructive' | 'warning';
}

/**
 * An action confirmed in an alert dialog first; the dialog's test id is `<testId>-dialog`.
 * The console's one confirm button: a Button among a page's buttons, or a quiet action
 * in a table row (`isQuiet`).
 */
export function ConfirmButton({
  label,
  ariaLabel,
  title,
  text,
  onConfirm,
  confirmLabel,
  testId,
  isQuiet,
  buttonVariant = 'negative',
  isDisabled,
  variant = 'destructive',
}: ConfirmButtonProps) {
  const { t } = useTranslation();
  return (
    <DialogTrigger>
      {isQuiet ? (
        <ActionButton isQuiet isDisabled={isDisabled} aria-label={ariaLabel} data-testid={testId}>
          {label}
        </ActionButton>
      ) : (
        <Button variant={buttonVariant} isDisabled={isDisabled} aria-label={ariaLabel} data-testid={testId}>
          {label}
        </Button>
      )}
      <AlertDialog
        variant={variant}
        title={title}
        primaryActionLabel={confirmLabel ?? label}
        cancelLabel={t('common.cancel')}
        onPrimaryAction={onConfirm}
        data-testid={`${testId}-dialog`}
      >
        {text}
      </AlertDialog>
    </DialogTrigger>
  );
}
