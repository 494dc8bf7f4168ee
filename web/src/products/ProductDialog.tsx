import { NumberField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useDialogSubmit } from '../components/FormDialog.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Product } from '../types.ts';
import { CatalogDialog } from './CatalogDialog.tsx';

const FORM_ID = 'product';

/** A taken name is a problem of the name field. */
const CODE_FIELDS = { 'products.name_taken': 'name' };
/** The fields that show their own problems. */
const FIELDS = ['name', 'licenseQuantity'];

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

  return (
    <CatalogDialog
      kind="product"
      formId={FORM_ID}
      size="S"
      editing={product !== undefined}
      title={product ? t('products.editTitle', { name: product.name }) : t('products.addTitle')}
      failedTitle={t('products.saveFailed')}
      formLabel={t('products.addTitle')}
      addLabel={t('products.add')}
      nameLabel={t('products.field.name')}
      name={name}
      onNameChange={setName}
      errors={errors}
      shown={FIELDS}
      onSubmit={save}
      pending={pending}
    >
      {/* A number is committed (onChange) only when the field loses focus: its complaint goes
          as soon as it is typed in, not when Save is pressed (the dialog would shrink under the
          pointer and the press miss the button). Input events bubble from the field's input. */}
      <div onInput={() => errors.edited('licenseQuantity')}>
        <NumberField
          label={t('products.field.licenseQuantity')}
          description={t('products.field.licenseQuantityHint')}
          value={quantity}
          onChange={errors.onEdit('licenseQuantity', setQuantity)}
          minValue={0}
          maxValue={100_000_000}
          step={1}
          formatOptions={{ maximumFractionDigits: 0 }}
          isRequired
          {...errors.fieldProps('licenseQuantity')}
          width="100%"
          data-testid="product-quantity"
        />
      </div>
    </CatalogDialog>
  );
}
