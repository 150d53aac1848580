// The object panel's YAML tab: the object as YAML in an editable text area, its managedFields
// folded into a summary of who manages it, and Apply, which sends the text with server-side apply
// as the field manager tinykube-ui (a conflict offers what kubectl's --force-conflicts sends). The
// object is followed through a watch on its collection narrowed to its name: each new version is
// shown until the person edits; after that the tab only says the object changed, keeping the edit.
import type { KObject } from '../api/types.js';
import { ApiError, followOne, isObject } from './api.js';
import { h, plural, setText } from './dom.js';
import { objectCollectionPath, objectPath, objectTitle, type ObjectRef, type ObjectTab, type UiContext } from './shell.js';
import { applyBody, editableYaml, managedFieldsYaml, managersOf } from './yaml-text.js';

/** The field manager the dashboard's writes are recorded under. */
export const FIELD_MANAGER = 'tinykube-ui';

/** The object's collection: its path without the name, e.g. /api/v1/namespaces/default/pods. */
class YamlEditor {
  private readonly text: HTMLTextAreaElement;
  private readonly version = h('p', { class: 'yaml-version' });
  private readonly managed = h('details', { class: 'yaml-managed' });
  private readonly changed = h('div', { class: 'yaml-changed', role: 'status' });
  private readonly result = h('p', { class: 'yaml-result', role: 'status', 'aria-live': 'polite' });
  private readonly error = h('pre', { class: 'yaml-error', role: 'alert' });
  private readonly applyButton = h('button', { type: 'button', 'aria-keyshortcuts': 'Control+Enter' }, 'Apply');
  private readonly forceButton = h('button', { type: 'button', class: 'yaml-force', hidden: '' }, 'Apply with force');
  /** The person typed since the text was last set from the object. */
  private edited = false;
  /** The newest version not yet drawn (drawn once per animation frame), null when deleted. */
  private pending: KObject | null | undefined;
  private frame = 0;
  /** The managedFields last drawn: most versions (status writes aside) leave them as they were. */
  private managedText?: string;

  constructor(root: HTMLElement, private readonly ref: ObjectRef, private readonly ctx: UiContext) {
    const id = 'yaml-editor';
    this.text = h('textarea', { id, class: 'yaml-text', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', wrap: 'off', 'aria-describedby': 'yaml-help' });
    this.text.readOnly = true;
    this.text.value = 'Loading…';
    root.append(h('section', { class: 'yaml-tab' },
      this.version,
      this.managed,
      h('label', { for: id }, `YAML of ${objectTitle(ref)}`),
      h('p', { id: 'yaml-help', class: 'yaml-help' }, `Apply sends this text with server-side apply as the field manager ${FIELD_MANAGER} (Ctrl+Enter); status and system metadata are left out.`),
      this.text,
      this.changed,
      h('div', { class: 'yaml-actions' }, this.applyButton, this.forceButton),
      this.result,
      this.error));
    this.changed.hidden = true;
    this.error.hidden = true;
    this.text.addEventListener('input', () => { this.edited = true; });
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); void this.apply(false); }
    });
    this.applyButton.addEventListener('click', () => void this.apply(false));
    this.forceButton.addEventListener('click', () => void this.apply(true));
    ctx.signal.addEventListener('abort', () => cancelAnimationFrame(this.frame), { once: true });
  }

  start(): void {
    const { api, signal } = this.ctx;
    api.get(objectPath(this.ref), signal).then((obj) => {
      if (isObject(obj)) this.schedule(obj);
    }, (e: unknown) => {
      if (!signal.aborted) this.showError(e instanceof Error ? e.message : String(e));
    });
    void followOne(api, objectCollectionPath(this.ref), isObject, (obj) => this.schedule(obj ?? null),
      (error, retrying) => setText(this.version, `Not following changes: ${error.message}${retrying ? ' (retrying)' : ''}`), signal);
  }

  /** Watch events can come many a frame; only the newest is drawn. */
  private schedule(obj: KObject | null): void {
    this.pending = obj;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const next = this.pending;
      this.pending = undefined;
      if (next !== undefined) this.show(next);
    });
  }

  private show(obj: KObject | null): void {
    if (!obj) {
      setText(this.version, 'The object was deleted; Apply would create it again.');
      return;
    }
    const rv = obj.metadata.resourceVersion ?? '';
    setText(this.version, `resourceVersion ${rv}`);
    this.showManagers(obj);
    if (!this.edited) {
      const text = editableYaml(obj);
      if (this.text.value !== text) this.text.value = text;
      this.text.readOnly = false;
      this.changed.hidden = true;
      return;
    }
    // The person's edit is kept; they choose when to take the new version.
    const discard = h('button', { type: 'button' }, 'Discard my edit and show it');
    discard.addEventListener('click', () => {
      this.edited = false;
      this.show(obj);
      this.text.focus();
    });
    this.changed.replaceChildren(h('span', {}, `The object changed meanwhile (now resourceVersion ${rv}); your edit is kept. `), discard);
    this.changed.hidden = false;
  }

  /** The folded managedFields: one row per manager, and the entries as kubectl --show-managed-fields writes them. */
  private showManagers(obj: KObject): void {
    const text = managedFieldsYaml(obj);
    if (text === this.managedText) return;
    this.managedText = text;
    const entries = managersOf(obj);
    const open = this.managed.open;
    const names = entries.map((e) => e.manager).join(', ');
    const rows = entries.map((e) => h('tr', { 'data-manager': e.manager },
      h('td', {}, e.manager), h('td', {}, e.operation), h('td', {}, e.subresource), h('td', {}, e.apiVersion), h('td', {}, e.time)));
    this.managed.replaceChildren(
      h('summary', {}, `metadata.managedFields: ${plural(entries.length, 'manager', 'managers')}${names ? ` (${names})` : ''}`),
      h('table', {},
        h('caption', {}, 'Field managers of this object'),
        h('thead', {}, h('tr', {}, ...['Manager', 'Operation', 'Subresource', 'API version', 'Time'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows)),
      h('pre', { class: 'yaml-managed-fields' }, text));
    this.managed.open = open;
  }

  private async apply(force: boolean): Promise<void> {
    this.result.textContent = '';
    this.showError('');
    const built = applyBody(this.text.value, this.ref);
    if (!built.ok) {
      this.showError(`Invalid YAML, nothing was sent: ${built.error}`);
      return;
    }
    this.applyButton.disabled = this.forceButton.disabled = true;
    try {
      const path = `${objectPath(this.ref)}?fieldManager=${FIELD_MANAGER}${force ? '&force=true' : ''}`;
      const answer = await this.ctx.api.send('PATCH', path, built.body, 'application/apply-patch+yaml', this.ctx.signal);
      this.edited = false;
      this.forceButton.hidden = true;
      const rv = isObject(answer) ? answer.metadata.resourceVersion ?? '' : '';
      setText(this.result, `Applied${force ? ' with force' : ''}: resourceVersion ${rv}`);
      if (isObject(answer)) this.schedule(answer);
    } catch (e) {
      if (this.ctx.signal.aborted) return;
      this.showError(e instanceof Error ? e.message : String(e));
      // A 409 from an apply is fields owned by other managers: forcing takes them over.
      if (e instanceof ApiError && e.code === 409 && !force) this.forceButton.hidden = false;
    } finally {
      this.applyButton.disabled = this.forceButton.disabled = false;
    }
  }

  private showError(message: string): void {
    setText(this.error, message);
    this.error.hidden = !message;
  }
}

export const YAML_TAB: ObjectTab = {
  id: 'yaml',
  title: 'YAML',
  appliesTo: () => true,
  mount(root: HTMLElement, ref: ObjectRef, ctx: UiContext): void {
    new YamlEditor(root, ref, ctx).start();
  },
};
