/** Form fields the pages repeat: a labelled checkbox, a text input, security-group pickers. */
import type { ApiFailure } from '../api';
import { Field, useId } from '../ui';

type FieldProps = Omit<Parameters<typeof Field>[0], 'children'>;

export function CheckField(
  props: FieldProps & { checked: boolean; onChange(checked: boolean): void; disabled?: boolean },
) {
  const { checked, onChange, disabled, ...field } = props;
  return (
    <Field {...field} class="check">
      {(c) => (
        <input
          {...c}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      )}
    </Field>
  );
}

export function TextField(
  props: FieldProps & {
    value: string;
    onInput(value: string): void;
    type?: string;
    autocomplete?: string;
  },
) {
  const { value, onInput, type, autocomplete, ...field } = props;
  return (
    <Field {...field}>
      {(c) => (
        <input
          {...c}
          type={type ?? 'text'}
          autocomplete={autocomplete}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** The network's security groups to choose one from. */
export function GroupField(
  props: FieldProps & {
    groups: readonly { id: string; name: string }[];
    value: string;
    onChange(groupId: string): void;
  },
) {
  const { groups, value, onChange, ...field } = props;
  return (
    <Field {...field}>
      {(c) => (
        <select {...c} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Several of the network's security groups, as checkboxes (a multiple select is hard to use). */
export function GroupsField(props: {
  label: string;
  name: string;
  error?: ApiFailure | undefined;
  groups: readonly { id: string; name: string }[];
  value: readonly string[];
  onChange(groupIds: string[]): void;
}) {
  const reason = props.error?.reasonFor(props.name);
  const id = useId('g');
  return (
    <fieldset
      class={`choices${reason ? ' invalid' : ''}`}
      {...(reason ? { 'aria-describedby': `${id}-err` } : {})}
    >
      <legend>{props.label}</legend>
      {props.groups.map((g) => (
        <label key={g.id} class="choice">
          <input
            type="checkbox"
            checked={props.value.includes(g.id)}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked
                  ? [...props.value, g.id]
                  : props.value.filter((id) => id !== g.id),
              )
            }
          />
          {g.name}
        </label>
      ))}
      {reason ? (
        <small id={`${id}-err`} class="field-error">
          {reason}
        </small>
      ) : null}
    </fieldset>
  );
}
