import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Form,
  Heading,
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { DirectoryPicker } from './DirectoryPicker.tsx';
import type { Directory, Domain } from './types.ts';

const FORM_ID = 'add-domain';

/** A domain name and the directory it joins; the answer carries the TXT record to publish. */
export function AddDomainDialog(props: { directories: Directory[]; onAdded: (domain: Domain) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState('');
  const [directoryId, setDirectoryId] = useState<string | null>(props.directories[0]?.id ?? null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setPending(true);
    api
      .post<Domain>('/api/v1/domains', { name: name.trim(), ...(directoryId ? { directoryId } : {}) })
      .then((domain) => {
        props.onAdded(domain);
        dismiss();
      })
      .catch((caught: unknown) => {
        setError(caught);
        setPending(false);
      });
  };

  return (
    <Dialog size="M" data-testid="domain-add-dialog">
      <Heading>{t('domains.domains.addTitle')}</Heading>
      <Divider />
      <Content>
        <FormError
          title={t('domains.domains.addFailed')}
          error={error}
          rest={fieldProblems(error)}
          testId="domains-form-error"
        />
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native">
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
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="domain-submit">
          {t('domains.domains.addSubmit')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
