import { Button, Checkbox, FileTrigger, Flex, Item, Link, Picker, Text } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BULK_TYPE_ACTIONS } from '../../../shared/contracts.ts';
import { ApiError, api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { GroupSearchPicker } from '../components/GroupSearchPicker.tsx';
import { currentLocale, SPECTRUM_LOCALES } from '../i18n/index.ts';
import { useCan } from '../session.tsx';
import { formatBytes } from '../users/labels.ts';
import { typeHintKey, typeKey } from './labels.ts';
import { BULK_TYPES, type BulkType, GROUP_TYPES } from './types.ts';

const FORM_ID = 'bulk-upload';

/** The path of a type's downloadable CSV template: the standard one or the organization's current data. */
export function templatePath(type: BulkType, variant: 'standard' | 'current'): string {
  return `/api/v1/csv-templates/${encodeURIComponent(type)}?variant=${variant}`;
}

/**
 * The server's own words for a refused file (which header is unknown, which row is too many),
 * shown under the translated message when they say more.
 */
function fileProblemDetail(error: unknown): string[] {
  if (error instanceof ApiError && error.code.startsWith('bulk.') && error.message) {
    return [error.message];
  }
  return [];
}

/**
 * Uploads a CSV file as a bulk operation: its type, the file, dry run (on by default) and, for
 * group member files, the group; links to the type's standard template and current file.
 */
export function UploadDialog({ onUploaded }: { onUploaded: (id: string, dryRun: boolean) => void }) {
  const { t } = useTranslation();
  const can = useCan();
  // Only the types this admin may run: a group admin sees the two group-member types.
  const types = BULK_TYPES.filter((id) => can(BULK_TYPE_ACTIONS[id]));
  const [type, setType] = useState<BulkType>(types[0] ?? 'add-users');
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [group, setGroup] = useState<{ id: string; name: string } | null>(null);
  const { error, pending, submit: send, reset } = useDialogSubmit();
  const [missing, setMissing] = useState<{ file?: boolean; group?: boolean }>({});
  const needsGroup = GROUP_TYPES.has(type);
  const locale = SPECTRUM_LOCALES[currentLocale()];

  const submit = (event: FormEvent<HTMLFormElement>) => {
    const lacking = { file: !file, group: needsGroup && !group };
    setMissing(lacking);
    if (!file || lacking.group) {
      event.preventDefault();
      return;
    }
    const form = new FormData();
    form.set('type', type);
    form.set('dryRun', dryRun ? 'true' : 'false');
    if (needsGroup && group) {
      form.set('groupId', group.id);
    }
    // The file goes last: a streaming server reads the other fields before it.
    form.set('file', file, file.name);
    send(
      event,
      () => api.upload<{ id: string }>('/api/v1/bulk-operations', form),
      (answer) => onUploaded(answer.id, dryRun),
    );
  };

  return (
    <FormDialog
      formId={FORM_ID}
      size="L"
      testId="bulk-upload-dialog"
      title={t('bulk.upload.title')}
      error={
        <FormError
          title={t('bulk.upload.failed')}
          error={error}
          rest={fileProblemDetail(error)}
          testId="bulk-upload-error"
        />
      }
      formLabel={t('bulk.upload.title')}
      // The dialog says itself what is missing (the file, the group).
      validationBehavior="aria"
      onSubmit={submit}
      submitLabel={dryRun ? t('bulk.upload.submitDryRun') : t('bulk.upload.submit')}
      submitTestId="bulk-upload-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-100">
        <Picker
          label={t('bulk.upload.type')}
          description={t(typeHintKey(type))}
          items={types.map((id) => ({ id }))}
          selectedKey={type}
          onSelectionChange={(key) => {
            setType(key as BulkType);
            reset();
          }}
          width="100%"
          data-testid="bulk-upload-type"
        >
          {(item) => (
            <Item key={item.id} textValue={t(typeKey(item.id))}>
              <Text>{t(typeKey(item.id))}</Text>
              <Text slot="description">{t(typeHintKey(item.id))}</Text>
            </Item>
          )}
        </Picker>
        <Flex gap="size-200" wrap marginTop="size-50" marginBottom="size-100">
          <Link href={templatePath(type, 'standard')} download data-testid="bulk-template-standard">
            {t('bulk.upload.templateStandard')}
          </Link>
          <Link href={templatePath(type, 'current')} download data-testid="bulk-template-current">
            {t('bulk.upload.templateCurrent')}
          </Link>
        </Flex>
        {needsGroup && (
          <GroupSearchPicker
            label={t('bulk.upload.group')}
            description={t('bulk.upload.groupHint')}
            selected={group}
            onChange={(chosen) => {
              setGroup(chosen);
              setMissing((current) => ({ ...current, group: false }));
            }}
            errorMessage={missing.group ? t('bulk.upload.groupRequired') : undefined}
            testId="bulk-upload-group"
          />
        )}
        <Flex direction="column" gap="size-50" marginTop="size-100">
          <Flex alignItems="center" gap="size-150" wrap>
            <FileTrigger
              acceptedFileTypes={['.csv', 'text/csv']}
              onSelect={(files) => {
                const chosen = files?.[0] ?? null;
                setFile(chosen);
                reset();
                setMissing((current) => ({ ...current, file: false }));
              }}
              data-testid="bulk-upload-file-input"
            >
              <Button variant="secondary" data-testid="bulk-upload-file">
                {t('bulk.upload.chooseFile')}
              </Button>
            </FileTrigger>
            <Text data-testid="bulk-upload-file-name">
              {file
                ? t('bulk.upload.fileChosen', { name: file.name, size: formatBytes(file.size, locale) })
                : t('bulk.upload.noFile')}
            </Text>
          </Flex>
          {missing.file && (
            <Text
              UNSAFE_style={{ color: 'var(--spectrum-negative-visual-color)' }}
              data-testid="bulk-upload-file-missing"
            >
              {t('bulk.upload.fileRequired')}
            </Text>
          )}
        </Flex>
        <Checkbox isSelected={dryRun} onChange={setDryRun} marginTop="size-150" data-testid="bulk-upload-dry-run">
          {t('bulk.upload.dryRun')}
        </Checkbox>
        <Text>{dryRun ? t('bulk.upload.dryRunHint') : t('bulk.upload.realRunHint')}</Text>
      </Flex>
    </FormDialog>
  );
}
