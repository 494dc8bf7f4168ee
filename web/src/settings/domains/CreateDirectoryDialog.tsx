import { Flex, Item, Picker, TextField } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../../shared/contracts.ts';
import { api } from '../../api.ts';
import { FormDialog, useDialogSubmit } from '../../components/FormDialog.tsx';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { DIRECTORY_IDENTITY_TYPES, type Directory, type DirectoryIdentityType } from './types.ts';

const FORM_ID = 'create-directory';

/** Name and identity type of a new directory. */
export function CreateDirectoryDialog({ onCreated }: { onCreated: (directory: Directory) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [identityType, setIdentityType] = useState<DirectoryIdentityType>('enterprise');
  const { error, pending, submit } = useDialogSubmit();

  return (
    <FormDialog
      formId={FORM_ID}
      testId="directory-create-dialog"
      title={t('domains.directories.createTitle')}
      error={
        <FormError
          title={t('domains.directories.createFailed')}
          error={error}
          rest={fieldProblems(error)}
          testId="domains-form-error"
        />
      }
      onSubmit={(event) =>
        submit(event, () => api.post<Directory>('/api/v1/directories', { name: name.trim(), identityType }), onCreated)
      }
      submitLabel={t('domains.directories.create')}
      submitTestId="directory-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <TextField
          label={t('domains.directories.name')}
          value={name}
          onChange={setName}
          isRequired
          maxLength={LIMITS.nameMax}
          autoFocus
          width="100%"
          data-testid="directory-name"
        />
        <Picker
          label={t('domains.directories.identityType')}
          description={t(`domains.identityType.${identityType}Hint`)}
          selectedKey={identityType}
          onSelectionChange={(key) => {
            const value = DIRECTORY_IDENTITY_TYPES.find((type) => type === key);
            if (value) {
              setIdentityType(value);
            }
          }}
          width="100%"
          data-testid="directory-identity-type"
        >
          {DIRECTORY_IDENTITY_TYPES.map((type) => (
            <Item key={type}>{t(`domains.identityType.${type}`)}</Item>
          ))}
        </Picker>
      </Flex>
    </FormDialog>
  );
}
