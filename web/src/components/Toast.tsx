import { ActionButton, Text } from '@adobe/react-spectrum';
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';

/** How long a toast stays (unless the pointer or the focus is on it). */
const TOAST_SECONDS = 6;

/** The id of the shell's toast region. */
const REGION_ID = 'usher-toasts';

/**
 * Where toasts appear: a polite live region fixed at the bottom of the window, over the page (it
 * never moves the page's content). It is in the shell from the start, so screen readers announce
 * what is put into it.
 */
export function ToastRegion() {
  return <div id={REGION_ID} className="usher-toasts" role="status" aria-live="polite" aria-atomic="false" />;
}

interface ToastProps {
  /** The success message; nothing is shown while it is null or empty. */
  message: string | null | undefined;
  /** Called when the toast is dismissed or hides by itself (clear the message then). */
  onDismiss: () => void;
  /** The test id of the message (its dismiss button's is `<testId>-dismiss`). */
  testId?: string | undefined;
}

/**
 * The console's one success message: a small toast in the shell's live region (aria-live polite),
 * dismissible, hiding by itself after a few seconds unless pointed at or focused. Errors stay
 * inline next to what failed.
 */
export function Toast({ message, onDismiss, testId }: ToastProps) {
  const { t } = useTranslation();
  const [held, setHeld] = useState(false);
  const dismiss = useRef(onDismiss);
  dismiss.current = onDismiss;
  useEffect(() => {
    if (!message || held) {
      return;
    }
    const timer = setTimeout(() => dismiss.current(), TOAST_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [message, held]);
  if (!message) {
    return null;
  }
  const toast = (
    // biome-ignore lint/a11y/noStaticElementInteractions: pointing at the toast only holds it open; its button dismisses it.
    <div
      className="usher-toast"
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <Text UNSAFE_className="usher-toast-text" data-testid={testId}>
        {message}
      </Text>
      <ActionButton
        isQuiet
        staticColor="white"
        aria-label={t('common.dismiss')}
        onPress={() => {
          setHeld(false);
          onDismiss();
        }}
        data-testid={testId ? `${testId}-dismiss` : undefined}
      >
        <Text>×</Text>
      </ActionButton>
    </div>
  );
  const region = document.getElementById(REGION_ID);
  // Outside the shell (a page of its own) the toast brings its own live region.
  return region ? (
    createPortal(toast, region)
  ) : (
    <div className="usher-toasts" role="status" aria-live="polite">
      {toast}
    </div>
  );
}
