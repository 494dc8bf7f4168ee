import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Form,
  Heading,
  Item,
  Picker,
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../../shared/contracts.ts';
import { api } from '../../api.ts';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { DIRECTORY_IDENTITY_TYPES, type Directory, type DirectoryIdentityType } from './types.ts';

const FORM_ID = 'create-directory';

/** Name and identity type of a new directory. */
export function CreateDirectoryDialog({ onCreated }: { onCreated: (directory: Directory) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState('');
  const [identityType, setIdentityType] = useState<DirectoryIdentityType>('enterprise');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setPending(true);
    api
      .post<Directory>('/api/v1/directories', { name: name.trim(), identityType })
      .then((directory) => {
        onCreated(directory);
        dismiss();
      })
      .catch((caught: unknown) => {
        setError(caught);
        setPending(false);
      });
  };

  return (
    <Dialog size="M" data-testid="directory-create-dialog">
      <Heading>{t('domains.directories.createTitle')}</Heading>
      <Divider />
      <Content>
        <FormError
          title={t('domains.directories.createFailed')}
          error={error}
          rest={fieldProblems(error)}
          testId="domains-form-error"
        />
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native">
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
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="directory-submit">
          {t('domains.directories.create')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
