import { TextArea, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { useDialogSubmit } from '../components/FormDialog.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Product, ProductProfile } from '../types.ts';
import { CatalogDialog } from './CatalogDialog.tsx';

const FORM_ID = 'product-profile';

/** A taken name is a problem of the name field. */
const CODE_FIELDS = { 'product_profiles.name_taken': 'name' };
/** The fields that show their own problems (`productId` is the dialog's own). */
const FIELDS = ['name', 'description', 'services', 'productId'];

/** The services of the form's text: one a line (or comma-separated), trimmed, without repeats. */
function parseServices(text: string): string[] {
  return [...new Set(text.split(/[\n,]+/).map((service) => service.trim()))].filter(Boolean);
}

interface ProfileDialogProps {
  product: Product;
  /** The profile to edit; absent to add one to the product. */
  profile?: ProductProfile;
  onSaved: (profile: ProductProfile) => void;
}

/** Adds a product profile (name, description, services) to a product, or edits one. */
export function ProfileDialog({ product, profile, onSaved }: ProfileDialogProps) {
  const { t } = useTranslation();
  const [name, setName] = useState(profile?.name ?? '');
  const [description, setDescription] = useState(profile?.description ?? '');
  const [services, setServices] = useState((profile?.services ?? []).join('\n'));
  const errors = useServerErrors(CODE_FIELDS);
  const { pending, submit } = useDialogSubmit(errors);

  const save = (event: FormEvent<HTMLFormElement>) =>
    submit(
      event,
      () =>
        profile
          ? api.patch<ProductProfile>(`/api/v1/product-profiles/${encodeURIComponent(profile.id)}`, {
              name: name.trim(),
              description: description.trim() || null,
              services: parseServices(services),
            })
          : api.post<ProductProfile>('/api/v1/product-profiles', {
              productId: product.id,
              name: name.trim(),
              ...(description.trim() ? { description: description.trim() } : {}),
              services: parseServices(services),
            }),
      onSaved,
    );

  return (
    <CatalogDialog
      kind="profile"
      formId={FORM_ID}
      editing={profile !== undefined}
      title={
        profile
          ? t('products.profiles.editTitle', { name: profile.name })
          : t('products.profiles.addTitle', { product: product.name })
      }
      failedTitle={t('products.profiles.saveFailed')}
      formLabel={t('products.profiles.add')}
      addLabel={t('products.profiles.add')}
      nameLabel={t('products.profiles.field.name')}
      nameHint={t('products.profiles.field.nameHint')}
      name={name}
      onNameChange={setName}
      errors={errors}
      shown={FIELDS}
      onSubmit={save}
      pending={pending}
    >
      <TextField
        label={t('products.profiles.field.description')}
        value={description}
        onChange={errors.onEdit('description', setDescription)}
        maxLength={LIMITS.nameMax}
        {...errors.fieldProps('description')}
        width="100%"
        data-testid="profile-description"
      />
      <TextArea
        label={t('products.profiles.field.services')}
        description={t('products.profiles.field.servicesHint')}
        value={services}
        onChange={errors.onEdit('services', setServices)}
        {...errors.fieldProps('services')}
        width="100%"
        data-testid="profile-services"
      />
    </CatalogDialog>
  );
}
