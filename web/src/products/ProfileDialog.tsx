import { Flex, TextArea, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Product, ProductProfile } from '../types.ts';

const FORM_ID = 'product-profile';

/** A taken name is a problem of the name field. */
const CODE_FIELDS = { 'product_profiles.name_taken': 'name' };

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

  const nameError = errors.problem('name');
  const descriptionError = errors.problem('description');
  const servicesError = errors.problem('services');
  return (
    <FormDialog
      formId={FORM_ID}
      testId="profile-dialog"
      title={
        profile
          ? t('products.profiles.editTitle', { name: profile.name })
          : t('products.profiles.addTitle', { product: product.name })
      }
      error={
        errors.error !== null && (
          <FormError
            title={t('products.profiles.saveFailed')}
            error={errors.error}
            rest={errors.rest(['name', 'description', 'services', 'productId'])}
            testId="profile-error"
          />
        )
      }
      formLabel={t('products.profiles.add')}
      onSubmit={save}
      submitLabel={profile ? t('common.save') : t('products.profiles.add')}
      submitTestId="profile-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <TextField
          label={t('products.profiles.field.name')}
          description={t('products.profiles.field.nameHint')}
          value={name}
          onChange={(value) => {
            setName(value);
            errors.edited('name');
          }}
          isRequired
          autoFocus
          maxLength={LIMITS.nameMax}
          validationState={nameError ? 'invalid' : undefined}
          errorMessage={nameError}
          width="100%"
          data-testid="profile-name"
        />
        <TextField
          label={t('products.profiles.field.description')}
          value={description}
          onChange={(value) => {
            setDescription(value);
            errors.edited('description');
          }}
          maxLength={LIMITS.nameMax}
          validationState={descriptionError ? 'invalid' : undefined}
          errorMessage={descriptionError}
          width="100%"
          data-testid="profile-description"
        />
        <TextArea
          label={t('products.profiles.field.services')}
          description={t('products.profiles.field.servicesHint')}
          value={services}
          onChange={(value) => {
            setServices(value);
            errors.edited('services');
          }}
          validationState={servicesError ? 'invalid' : undefined}
          errorMessage={servicesError}
          width="100%"
          data-testid="profile-services"
        />
      </Flex>
    </FormDialog>
  );
}
