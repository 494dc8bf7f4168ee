import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Heading,
  Text,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { DirectoryPicker } from './DirectoryPicker.tsx';
import type { Directory, Domain } from './types.ts';

/** Moves a domain to another directory (a pending one may also have none). */
export function MoveDomainDialog(props: { domain: Domain; directories: Directory[]; onMoved: () => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [directoryId, setDirectoryId] = useState<string | null>(props.domain.directory?.id ?? null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const save = () => {
    setError(null);
    setPending(true);
    api
      .patch<Domain>(`/api/v1/domains/${encodeURIComponent(props.domain.id)}`, { directoryId })
      .then(() => {
        props.onMoved();
        dismiss();
      })
      .catch((caught: unknown) => {
        setError(caught);
        setPending(false);
      });
  };

  return (
    <Dialog size="S" data-testid="domain-move-dialog">
      <Heading>{t('domains.domains.moveTitle', { name: props.domain.name })}</Heading>
      <Divider />
      <Content>
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
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" onPress={save} isPending={pending} data-testid="domain-move-submit">
          {t('common.save')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
