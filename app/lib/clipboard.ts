/**
 * Copies text to the clipboard and says whether it got there. navigator.clipboard exists only on
 * secure origins (https, localhost) and may refuse; plain-http origins (HOST=0.0.0.0 on a LAN)
 * still allow the older execCommand('copy') on a selected field during a click.
 */
export async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // refused (no permission, page not focused): the older path may still work
    }
  }
  return copyWithSelection(text);
}

function copyWithSelection(text: string): boolean {
  const field = document.createElement('textarea');
  field.value = text;
  field.readOnly = true;
  field.style.position = 'fixed';
  field.style.opacity = '0';
  document.body.append(field);
  field.select();
  try {
    // Deprecated, but the only copy that works without the Clipboard API; false when refused.
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    field.remove();
  }
}
