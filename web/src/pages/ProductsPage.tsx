import {
  ActionButton,
  Button,
  Content,
  DialogContainer,
  Divider,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  type Selection,
  Text,
  useNumberFormatter,
} from '@adobe/react-spectrum';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { ItemsTable } from '../components/ItemsTable.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import { errorMessage } from '../errors.ts';
import { useProducts, useProfiles } from '../products/data.ts';
import { ProductDialog } from '../products/ProductDialog.tsx';
import { ProfileDialog } from '../products/ProfileDialog.tsx';
import { useCan } from '../session.tsx';
import type { Product, ProductProfile } from '../types.ts';

const ROW_HEIGHT = 49;

type DialogState =
  | { kind: 'product'; product?: Product }
  | { kind: 'profile'; product: Product; profile?: ProductProfile }
  | null;

type ProductColumn = 'name' | 'licenses' | 'actions';
type ProfileColumn = 'name' | 'description' | 'services' | 'users' | 'actions';

/** The meter's colour: calm below 90 % of the seats, a warning up to full, critical above. */
/** Products with their licenses (used / total), and the profiles of the selected product. */
export function ProductsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const formatNumber = useNumberFormatter();
  const products = useProducts(can('product.read'));
  const [selected, setSelected] = useState<Selection>(new Set());
  const [dialog, setDialog] = useState<DialogState>(null);
  const [error, setError] = useState<unknown>(null);
  const selectedId = selected === 'all' ? null : ([...selected][0] ?? null);
  const product = products.items?.find((item) => item.id === selectedId) ?? null;
  const profiles = useProfiles(can('profile.read') && product !== null, product?.id);
  const canManageProducts = can('product.manage');
  const canManageProfiles = can('profile.manage');

  const productColumns: { key: ProductColumn; name: string; width: number | `${number}fr`; hideHeader?: boolean }[] = [
    { key: 'name', name: t('products.column.name'), width: '2fr' },
    { key: 'licenses', name: t('products.column.licenses'), width: '2fr' },
    ...(canManageProducts
      ? [{ key: 'actions' as const, name: t('products.column.actions'), width: 120, hideHeader: true }]
      : []),
  ];

  const licenses = (item: { licensesUsed: number; licenseQuantity: number }) =>
    `${formatNumber.format(item.licensesUsed ?? 0)} / ${formatNumber.format(item.licenseQuantity)}`;

  const productCell = (item: Product, key: ProductColumn): ReactNode => {
    switch (key) {
      case 'name':
        return <span data-column="name">{item.name}</span>;
      case 'licenses': {
        const used = item.licensesUsed ?? 0;
        const total = item.licenseQuantity;
        return (
          <Flex alignItems="center" gap="size-150" width="100%">
            <UsageBar used={used} total={total} title={t('products.licenseMeter', { name: item.name })} />
            <Text data-column="licenses">{licenses(item)}</Text>
          </Flex>
        );
      }
      case 'actions':
        return (
          <ActionButton
            isQuiet
            onPress={() => setDialog({ kind: 'product', product: item })}
            aria-label={t('products.editNamed', { name: item.name })}
            data-testid="product-edit"
          >
            {t('products.edit')}
          </ActionButton>
        );
    }
  };

  const profileColumns: { key: ProfileColumn; name: string; width: number | `${number}fr`; hideHeader?: boolean }[] = [
    { key: 'name', name: t('products.profiles.column.name'), width: '1.5fr' },
    { key: 'description', name: t('products.profiles.column.description'), width: '2fr' },
    { key: 'services', name: t('products.profiles.column.services'), width: '2fr' },
    { key: 'users', name: t('products.profiles.column.users'), width: 170 },
    ...(canManageProfiles
      ? [{ key: 'actions' as const, name: t('products.column.actions'), width: 200, hideHeader: true }]
      : []),
  ];

  const deleteProfile = (profile: ProductProfile) => {
    setError(null);
    api
      .delete(`/api/v1/product-profiles/${encodeURIComponent(profile.id)}`)
      .then(() => {
        profiles.reload();
        products.reload();
      })
      .catch((caught: unknown) => setError(caught));
  };

  const profileCell = (profile: ProductProfile, key: ProfileColumn): ReactNode => {
    switch (key) {
      case 'name':
        return <span data-column="name">{profile.name}</span>;
      case 'description':
        return profile.description ?? '—';
      case 'services':
        return profile.services.length > 0 ? profile.services.join(', ') : '—';
      case 'users':
        return <span data-column="users">{formatNumber.format(profile.usersCount ?? 0)}</span>;
      case 'actions':
        return (
          <Flex gap="size-50">
            <ActionButton
              isQuiet
              onPress={() => product && setDialog({ kind: 'profile', product, profile })}
              aria-label={t('products.profiles.editNamed', { name: profile.name })}
              data-testid="profile-edit"
            >
              {t('products.edit')}
            </ActionButton>
            <ConfirmButton
              isQuiet
              label={t('products.profiles.delete')}
              ariaLabel={t('products.profiles.deleteNamed', { name: profile.name })}
              title={t('products.profiles.deleteTitle')}
              text={t('products.profiles.deleteText', { name: profile.name })}
              onConfirm={() => deleteProfile(profile)}
              testId="profile-delete"
            />
          </Flex>
        );
    }
  };

  if (!can('product.read')) {
    return (
      <>
        <PageTitle>{t('nav.products')}</PageTitle>
        <NoAccess text={t('products.noAccess')} />
      </>
    );
  }

  const productRows = products.items ?? [];
  const profileRows = profiles.items ?? [];
  const loadError = products.error ?? profiles.error;
  return (
    <Flex direction="column" gap="size-200">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <PageTitle>{t('nav.products')}</PageTitle>
        {canManageProducts && (
          <Button variant="accent" onPress={() => setDialog({ kind: 'product' })} data-testid="product-add">
            {t('products.add')}
          </Button>
        )}
      </Flex>
      <Text>{t('products.intro')}</Text>
      {(loadError ?? error) !== null && (
        <InlineAlert variant="negative" data-testid="products-error">
          <Heading>{t('products.failed')}</Heading>
          <Content>{errorMessage(t, loadError ?? error)}</Content>
        </InlineAlert>
      )}
      <ItemsTable
        aria-label={t('nav.products')}
        data-testid="products-table"
        selectionMode="single"
        selectionStyle="highlight"
        selectedKeys={selected}
        onSelectionChange={setSelected}
        columns={productColumns}
        items={productRows}
        itemKey={(item) => item.id}
        cell={productCell}
        cellText={(item, key) => (key === 'licenses' ? licenses(item) : key === 'name' ? item.name : '')}
        loading={products.items === null && products.error === null}
        rowHeight={ROW_HEIGHT}
        minRows={3}
        minHeight="size-2000"
        maxHeight="50vh"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('products.empty')}</Heading>
          </IllustratedMessage>
        )}
      />

      <Divider size="S" />
      <section aria-labelledby="product-profiles" data-testid="product-profiles">
        <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
          <Heading level={2} id="product-profiles">
            {product ? t('products.profiles.titleOf', { product: product.name }) : t('products.profiles.title')}
          </Heading>
          {product && canManageProfiles && (
            <Button
              variant="secondary"
              onPress={() => setDialog({ kind: 'profile', product })}
              data-testid="profile-add"
            >
              {t('products.profiles.add')}
            </Button>
          )}
        </Flex>
        {!product ? (
          <Text>{t('products.profiles.choose')}</Text>
        ) : (
          <ItemsTable
            aria-label={t('products.profiles.titleOf', { product: product.name })}
            data-testid="profiles-table"
            columns={profileColumns}
            items={profileRows}
            itemKey={(profile) => profile.id}
            cell={profileCell}
            cellText={(profile, key) => {
              const content = profileCell(profile, key);
              return typeof content === 'string' ? content : key === 'name' ? profile.name : '';
            }}
            loading={profiles.items === null && profiles.error === null}
            rowHeight={ROW_HEIGHT}
            minRows={3}
            maxHeight="size-6000"
            renderEmptyState={() => (
              <IllustratedMessage>
                <Heading>{t('products.profiles.empty')}</Heading>
              </IllustratedMessage>
            )}
          />
        )}
      </section>

      <DialogContainer onDismiss={() => setDialog(null)}>
        {dialog?.kind === 'product' && (
          <ProductDialog
            product={dialog.product}
            onSaved={(saved) => {
              products.reload();
              setSelected(new Set([saved.id]));
            }}
          />
        )}
        {dialog?.kind === 'profile' && (
          <ProfileDialog product={dialog.product} profile={dialog.profile} onSaved={() => profiles.reload()} />
        )}
      </DialogContainer>
    </Flex>
  );
}
