import { Button, Flex, ProgressCircle, Text, useNumberFormatter } from '@adobe/react-spectrum';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { DialogFrame } from '../components/DialogFrame.tsx';
import { useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import type { GroupDeletionPreview } from '../types.ts';

interface DeleteGroupsDialogProps {
  groupIds: string[];
  onDeleted: (count: number) => void;
}

/**
 * Deletes one or many groups after showing what it takes away: the groups with their member
 * counts, and how many members lose which profiles (those that came only through these groups).
 */
export function DeleteGroupsDialog({ groupIds, onDeleted }: DeleteGroupsDialogProps) {
  const { t } = useTranslation();
  const formatNumber = useNumberFormatter();
  const [preview, setPreview] = useState<GroupDeletionPreview | null>(null);
  /** The preview could not be read. */
  const [previewError, setPreviewError] = useState<unknown>(null);
  const { error: deleteError, pending, run } = useDialogSubmit();
  const error = deleteError ?? previewError;
  const idsKey = groupIds.join(',');

  // biome-ignore lint/correctness/useExhaustiveDependencies: `idsKey` stands for `groupIds`.
  useEffect(() => {
    let active = true;
    api
      .post<GroupDeletionPreview>('/api/v1/groups/deletion-preview', { groupIds })
      .then((answer) => active && setPreview(answer))
      .catch((caught: unknown) => active && setPreviewError(caught));
    return () => {
      active = false;
    };
  }, [idsKey]);

  const confirm = () => {
    setPreviewError(null);
    run(
      () => api.post<{ deleted: number }>('/api/v1/groups/delete', { groupIds }),
      (answer) => onDeleted(answer.deleted),
    );
  };

  const one = preview?.groups.length === 1 ? preview.groups[0] : undefined;
  return (
    <DialogFrame
      testId="delete-groups-dialog"
      title={
        one ? t('groups.delete.titleOne', { name: one.name }) : t('groups.delete.title', { count: groupIds.length })
      }
      dismissDisabled={pending}
      buttons={
        <Button
          variant="negative"
          onPress={confirm}
          isDisabled={preview === null}
          isPending={pending}
          data-testid="delete-groups-submit"
        >
          {t('groups.delete.action')}
        </Button>
      }
    >
      {error !== null && <FormError title={t('groups.delete.failed')} error={error} testId="delete-groups-error" />}
      {preview === null ? (
        error === null && <ProgressCircle aria-label={t('common.loading')} isIndeterminate size="S" />
      ) : (
        <Flex direction="column" gap="size-150">
          <Text>{t('groups.delete.intro')}</Text>
          {!one && (
            <ul className="usher-names-list" data-testid="delete-groups-list">
              {preview.groups.map((group) => (
                <li key={group.id}>
                  {t('groups.delete.groupLine', {
                    name: group.name,
                    members: formatNumber.format(group.membersCount),
                  })}
                </li>
              ))}
            </ul>
          )}
          {one && <Text>{t('groups.delete.membersOne', { members: formatNumber.format(one.membersCount) })}</Text>}
          {preview.losses.length === 0 ? (
            <Text data-testid="delete-groups-no-losses">{t('groups.delete.noLosses')}</Text>
          ) : (
            <>
              <Text>{t('groups.delete.lossesIntro')}</Text>
              <ul className="usher-names-list" data-testid="delete-groups-losses">
                {preview.losses.map((loss) => (
                  <li key={loss.profileId}>
                    {t('groups.delete.loss', {
                      count: loss.users,
                      profile: loss.profileName,
                      product: loss.productName,
                    })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Flex>
      )}
    </DialogFrame>
  );
}
