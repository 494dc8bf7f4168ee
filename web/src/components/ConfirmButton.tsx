import { ActionButton, AlertDialog, Button, DialogTrigger } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface ConfirmButtonProps {
  label: string;
  /** The accessible name of the button when the label alone is ambiguous (a row's action). */
  ariaLabel?: string;
  title: string;
  /** What the alert says: a sentence, or more (a choice, a warning). */
  text: ReactNode;
  /** The alert's confirming button, where it says more than the label (default: the label). */
  confirmLabel?: string;
  onConfirm: () => void;
  testId: string;
  isQuiet?: boolean;
  /** The page button's tone: negative (the default), secondary beside a page's main action, or accent (it is the main action). */
  buttonVariant?: 'negative' | 'secondary' | 'accent';
  isDisabled?: boolean;
  /** The action runs: the page button shows it. */
  isPending?: boolean;
  /** The alert's tone: destructive (the default), warning for an action that can be redone, confirmation for one that undoes or applies. */
  variant?: 'destructive' | 'warning' | 'confirmation';
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
  isPending,
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
        <Button
          variant={buttonVariant}
          isDisabled={isDisabled}
          isPending={isPending}
          aria-label={ariaLabel}
          data-testid={testId}
        >
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
