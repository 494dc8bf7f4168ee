import { Button, Text } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { DialogFrame } from '../../components/DialogFrame.tsx';
import { useDialogSubmit } from '../../components/FormDialog.tsx';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { DirectoryPicker } from './DirectoryPicker.tsx';
import type { Directory, Domain } from './types.ts';

/** Moves a domain to another directory (a pending one may also have none). */
export function MoveDomainDialog(props: { domain: Domain; directories: Directory[]; onMoved: () => void }) {
  const { t } = useTranslation();
  const [directoryId, setDirectoryId] = useState<string | null>(props.domain.directory?.id ?? null);
  const { error, pending, run } = useDialogSubmit();

  const save = () =>
    run(
      () => api.patch<Domain>(`/api/v1/domains/${encodeURIComponent(props.domain.id)}`, { directoryId }),
      () => props.onMoved(),
    );

  return (
    <DialogFrame
      size="S"
      testId="domain-move-dialog"
      title={t('domains.domains.moveTitle', { name: props.domain.name })}
      dismissDisabled={pending}
      buttons={
        <Button variant="accent" onPress={save} isPending={pending} data-testid="domain-move-submit">
          {t('common.save')}
        </Button>
      }
    >
      <FormError
        title={t('domains.domains.moveFailed')}
        error={error}
        rest={fieldProblems(error)}
        testId="domains-form-error"
      />
      {props.domain.status === 'claimed' && <Text>{t('domains.domains.moveClaimed')}</Text>}
      <DirectoryPicker
        directories={props.directories}
        value={directoryId}
        onChange={setDirectoryId}
        allowNone={props.domain.status === 'pending'}
        testId="domain-move-directory"
      />
    </DialogFrame>
  );
}
