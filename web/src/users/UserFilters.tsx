import { Flex, Item, Picker, TextField } from '@adobe/react-spectrum';
import type { Key, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { IDENTITY_TYPES, LIMITS } from '../../../shared/contracts.ts';
import { ADMIN_ROLES } from '../../../shared/roles.ts';
import { roleKey } from '../settings/roles.ts';
import type { Product, ProductProfile } from '../types.ts';
import type { StatusFilter, UserFilterForm } from './filters.ts';
import { identityTypeKey } from './labels.ts';

const ANY = '*';
const STATUSES: StatusFilter[] = ['active', 'invited', 'removed', 'inactive'];

interface UserFiltersProps {
  value: UserFilterForm;
  onChange: (filters: UserFilterForm) => void;
  products: Product[] | null;
  profiles: ProductProfile[] | null;
  /** The list's search field, first in the row of filters (so search and filters share the rows above the table). */
  search?: ReactNode;
}

/** The filter pickers of the users list; each change applies at once. */
export function UserFilters({ value, onChange, products, profiles, search }: UserFiltersProps) {
  const { t } = useTranslation();
  /** A picker's change: its key, or null for "Any". */
  const set =
    <K extends 'identityType' | 'status' | 'product' | 'profile' | 'adminRole'>(
      key: K,
      parse: (picked: string) => UserFilterForm[K],
    ) =>
    (picked: Key | null) =>
      onChange({ ...value, [key]: picked === null || picked === ANY ? null : parse(String(picked)) });
  const any = { id: ANY, name: t('users.filter.any') };
  // With a product chosen, only its profiles are offered.
  const offeredProfiles = profiles?.filter((profile) => !value.product || profile.productId === value.product) ?? null;

  return (
    <Flex gap="size-200" wrap alignItems="end" data-testid="user-filters">
      {search}
      <Picker
        label={t('users.filter.identityType')}
        items={[any, ...IDENTITY_TYPES.map((type) => ({ id: type, name: t(identityTypeKey(type)) }))]}
        selectedKey={value.identityType ?? ANY}
        onSelectionChange={set('identityType', (picked) => picked as UserFilterForm['identityType'])}
        width="size-2000"
        data-testid="filter-identity-type"
      >
        {(item) => <Item key={item.id}>{item.name}</Item>}
      </Picker>
      <Picker
        label={t('users.filter.status')}
        items={[any, ...STATUSES.map((status) => ({ id: status, name: t(`users.filter.statusOption.${status}`) }))]}
        selectedKey={value.status ?? ANY}
        onSelectionChange={set('status', (picked) => picked as StatusFilter)}
        width="size-3000"
        data-testid="filter-status"
      >
        {(item) => <Item key={item.id}>{item.name}</Item>}
      </Picker>
      {products && (
        <Picker
          label={t('users.filter.product')}
          items={[any, ...products.map((product) => ({ id: product.id, name: product.name }))]}
          selectedKey={value.product ?? ANY}
          onSelectionChange={(picked) => {
            const product = picked === null || picked === ANY ? null : String(picked);
            // A profile of another product would match nobody: the choice goes with the product.
            const profile = profiles?.find((candidate) => candidate.id === value.profile);
            onChange({
              ...value,
              product,
              profile: profile && product && profile.productId !== product ? null : value.profile,
            });
          }}
          width="size-2400"
          data-testid="filter-product"
        >
          {(item) => <Item key={item.id}>{item.name}</Item>}
        </Picker>
      )}
      {offeredProfiles && (
        <Picker
          label={t('users.filter.profile')}
          items={[any, ...offeredProfiles.map((profile) => ({ id: profile.id, name: profile.name }))]}
          selectedKey={value.profile ?? ANY}
          onSelectionChange={set('profile', (picked) => picked)}
          width="size-2400"
          data-testid="filter-profile"
        >
          {(item) => <Item key={item.id}>{item.name}</Item>}
        </Picker>
      )}
      <Picker
        label={t('users.filter.adminRole')}
        items={[any, ...ADMIN_ROLES.map((role) => ({ id: role, name: t(roleKey(role)) }))]}
        selectedKey={value.adminRole ?? ANY}
        onSelectionChange={set('adminRole', (picked) => picked as UserFilterForm['adminRole'])}
        width="size-2400"
        data-testid="filter-admin-role"
      >
        {(item) => <Item key={item.id}>{item.name}</Item>}
      </Picker>
      <TextField
        label={t('users.filter.group')}
        description={t('users.filter.groupHint')}
        value={value.group}
        onChange={(group) => onChange({ ...value, group })}
        maxLength={LIMITS.nameMax}
        width="size-2400"
        data-testid="filter-group"
      />
    </Flex>
  );
}
