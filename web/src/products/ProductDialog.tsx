import { Flex, NumberField, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { FormDialog, useDialogSubmit } from '../components/FormDialog.tsx';
import { FormError } from '../components/FormError.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Product } from '../types.ts';

const FORM_ID = 'product';

/** A taken name is a problem of the name field. */
const CODE_FIELDS = { 'products.name_taken': 'name' };

/** Adds a product (name, licenses), or edits one when `product` is given. */
export function ProductDialog({ product, onSaved }: { product?: Product; onSaved: (product: Product) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(product?.name ?? '');
  const [quantity, setQuantity] = useState<number>(product?.licenseQuantity ?? 1);
  const errors = useServerErrors(CODE_FIELDS);
  const { pending, submit } = useDialogSubmit(errors);

  const save = (event: FormEvent<HTMLFormElement>) => {
    if (Number.isNaN(quantity)) {
      event.preventDefault();
      return;
    }
    const body = { name: name.trim(), licenseQuantity: quantity };
    submit(
      event,
      () =>
        product
          ? api.patch<Product>(`/api/v1/products/${encodeURIComponent(product.id)}`, body)
          : api.post<Product>('/api/v1/products', body),
      onSaved,
    );
  };

  const nameError = errors.problem('name');
  const quantityError = errors.problem('licenseQuantity');
  return (
    <FormDialog
      formId={FORM_ID}
      size="S"
      testId="product-dialog"
      title={product ? t('products.editTitle', { name: product.name }) : t('products.addTitle')}
      error={
        errors.error !== null && (
          <FormError
            title={t('products.saveFailed')}
            error={errors.error}
            rest={errors.rest(['name', 'licenseQuantity'])}
            testId="product-error"
          />
        )
      }
      formLabel={t('products.addTitle')}
      onSubmit={save}
      submitLabel={product ? t('common.save') : t('products.add')}
      submitTestId="product-submit"
      pending={pending}
    >
      <Flex direction="column" gap="size-150">
        <TextField
          label={t('products.field.name')}
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
          data-testid="product-name"
        />
        {/* A number is committed (onChange) only when the field loses focus: its complaint goes
            as soon as it is typed in, not when Save is pressed (the dialog would shrink under the
            pointer and the press miss the button). Input events bubble from the field's input. */}
        <div onInput={() => errors.edited('licenseQuantity')}>
          <NumberField
            label={t('products.field.licenseQuantity')}
            description={t('products.field.licenseQuantityHint')}
            value={quantity}
            onChange={(value) => {
              setQuantity(value);
              errors.edited('licenseQuantity');
            }}
            minValue={0}
            maxValue={100_000_000}
            step={1}
            formatOptions={{ maximumFractionDigits: 0 }}
            isRequired
            validationState={quantityError ? 'invalid' : undefined}
            errorMessage={quantityError}
            width="100%"
            data-testid="product-quantity"
          />
        </div>
      </Flex>
    </FormDialog>
  );
}
