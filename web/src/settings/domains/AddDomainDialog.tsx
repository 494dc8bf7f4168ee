import { Flex, TextField } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormDialog, useDialogSubmit } from '../../components/FormDialog.tsx';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { DirectoryPicker } from './DirectoryPicker.tsx';
import type { Directory, Domain } from './types.ts';

const FORM_ID = 'add-domain';

/** A domain name and the directory it joins; the answer carries the TXT record to publish. */
export function AddDomainDialog(props: { directories: Directory[]; onAdded: (domain: Domain) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [directoryId, setDirectoryId] = useState<string | null>(props.directories[0]?.id ?? null);
  const { error, pending, submit } = useDialogSubmit();

  return (
    <FormDialog
      formId={FORM_ID}
      testId="domain-add-dialog"
      title={t('domains.domains.addTitle')}
      error={
        <FormError
          title={t('domains.domains.addFailed')}
          error={error}
          rest={fieldProblems(error)}
          testId="domains-form-error"
        />
      }
      onSubmit={(event) =>
        submit(
          event,
          () => api.post<Domain>('/api/v1/domains', { name: name.trim(), ...(directoryId ? { directoryId } : {}) }),
          props.onAdded,
        )
      }
      submitLabel={t('domains.domains.addSubmit')}
      submitTestId="domain-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <TextField
          label={t('domains.domains.name')}
          description={t('domains.domains.nameHint')}
          value={name}
          onChange={setName}
          isRequired
          maxLength={253}
          autoFocus
          width="100%"
          data-testid="domain-name"
        />
        <DirectoryPicker
          directories={props.directories}
          value={directoryId}
          onChange={setDirectoryId}
          allowNone
          testId="domain-directory"
        />
      </Flex>
    </FormDialog>
  );
}
