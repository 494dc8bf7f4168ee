import { ActionButton, AlertDialog, DialogTrigger } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';

/** A quiet button whose destructive action is confirmed in an alert dialog first. */
export function ConfirmButton(props: {
  label: string;
  ariaLabel: string;
  title: string;
  text: string;
  testId: string;
  onConfirm: () => void;
}) {
  const { t } = useTranslation();
  return (
    <DialogTrigger>
      <ActionButton isQuiet aria-label={props.ariaLabel} data-testid={props.testId}>
        {props.label}
      </ActionButton>
      <AlertDialog
        variant="destructive"
        title={props.title}
        primaryActionLabel={props.label}
        cancelLabel={t('common.cancel')}
        onPrimaryAction={props.onConfirm}
      >
        {props.text}
      </AlertDialog>
    </DialogTrigger>
  );
}
