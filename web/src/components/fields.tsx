/** Form fields the pages repeat: a labelled checkbox, a text input, a security-group picker. */
import { Field } from '../ui';

type FieldProps = Omit<Parameters<typeof Field>[0], 'children'>;

export function CheckField(
  props: FieldProps & { checked: boolean; onChange(checked: boolean): void },
) {
  const { checked, onChange, ...field } = props;
  return (
    <Field {...field}>
      {(id) => (
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      )}
    </Field>
  );
}

export function TextField(props: FieldProps & { value: string; onInput(value: string): void }) {
  const { value, onInput, ...field } = props;
  return (
    <Field {...field}>
      {(id, describedBy) => (
        <input
          id={id}
          {...(describedBy ? { 'aria-describedby': describedBy } : {})}
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
    groups: { id: string; name: string }[];
    value: string;
    onChange(groupId: string): void;
  },
) {
  const { groups, value, onChange, ...field } = props;
  return (
    <Field {...field}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
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
