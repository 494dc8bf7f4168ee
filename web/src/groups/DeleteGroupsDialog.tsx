import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Heading,
  ProgressCircle,
  Text,
  useDialogContainer,
  useNumberFormatter,
} from '@adobe/react-spectrum';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
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
  const { dismiss } = useDialogContainer();
  const formatNumber = useNumberFormatter();
  const [preview, setPreview] = useState<GroupDeletionPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const idsKey = groupIds.join(',');

  // biome-ignore lint/correctness/useExhaustiveDependencies: `idsKey` stands for `groupIds`.
  useEffect(() => {
    let active = true;
    api
      .post<GroupDeletionPreview>('/api/v1/groups/deletion-preview', { groupIds })
      .then((answer) => active && setPreview(answer))
      .catch((caught: unknown) => active && setError(caught));
    return () => {
      active = false;
    };
  }, [idsKey]);

  const confirm = () => {
    setError(null);
    setPending(true);
    api
      .post<{ deleted: number }>('/api/v1/groups/delete', { groupIds })
      .then((answer) => {
        onDeleted(answer.deleted);
        dismiss();
      })
      .catch((caught: unknown) => {
        setError(caught);
        setPending(false);
      });
  };

  const one = preview?.groups.length === 1 ? preview.groups[0] : undefined;
  return (
    <Dialog size="M" data-testid="delete-groups-dialog">
      <Heading>
        {one ? t('groups.delete.titleOne', { name: one.name }) : t('groups.delete.title', { count: groupIds.length })}
      </Heading>
      <Divider />
      <Content>
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
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button
          variant="negative"
          onPress={confirm}
          isDisabled={preview === null}
          isPending={pending}
          data-testid="delete-groups-submit"
        >
          {t('groups.delete.action')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
