import { Flex, TextField } from '@adobe/react-spectrum';
import type { FormEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { FormDialog } from '../components/FormDialog.tsx';
import type { ServerErrors } from '../components/useServerErrors.ts';

interface CatalogDialogProps {
  /** Prefix of the test ids: `<kind>-dialog`, `-error`, `-name`, `-submit`. */
  kind: 'product' | 'profile';
  formId: string;
  size?: 'S' | 'M';
  /** Whether it edits an item (Save) or adds one. */
  editing: boolean;
  title: string;
  failedTitle: string;
  /** The form's accessible name. */
  formLabel: string;
  /** The submit button's label when adding. */
  addLabel: string;
  nameLabel: string;
  nameHint?: string;
  name: string;
  onNameChange: (name: string) => void;
  errors: ServerErrors;
  /** The fields that show their own problems (`name` and those of `children`). */
  shown: readonly string[];
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  pending: boolean;
  /** The item's fields after its name. */
  children: ReactNode;
}

/**
 * The dialog that adds or edits an item of the catalog (a product, a product profile): its name
 * (required, focused, its server problem beside it), the item's own fields, the failure above them.
 */
export function CatalogDialog(props: CatalogDialogProps) {
  const { t } = useTranslation();
  const { errors, kind } = props;
  return (
    <FormDialog
      formId={props.formId}
      size={props.size}
      testId={`${kind}-dialog`}
      title={props.title}
      serverErrors={{ errors, title: props.failedTitle, testId: `${kind}-error`, shown: props.shown }}
      formLabel={props.formLabel}
      onSubmit={props.onSubmit}
      submitLabel={props.editing ? t('common.save') : props.addLabel}
      submitTestId={`${kind}-submit`}
      pending={props.pending}
    >
      <Flex direction="column" gap="size-150">
        <TextField
          label={props.nameLabel}
          description={props.nameHint}
          value={props.name}
          onChange={errors.onEdit('name', props.onNameChange)}
          isRequired
          autoFocus
          maxLength={LIMITS.nameMax}
          {...errors.fieldProps('name')}
          width="100%"
          data-testid={`${kind}-name`}
        />
        {props.children}
      </Flex>
    </FormDialog>
  );
}
