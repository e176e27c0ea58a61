/**
 * Admin store layouts (cart-device `/store-layouts/{locationId}`): a location's walkable graph as three
 * tables (points: the entrance, checkouts and aisles with their position in metres; walkways between
 * them; what sits at each aisle: products or categories) and saving it whole with `PUT`, which the
 * route planner then uses. The server checks the graph (one entrance, a checkout, every point
 * reachable); its issues are shown on the cells they name.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type InputHTMLAttributes, useId, useState } from 'react';
import { ApiError, unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { Field, FormError, Page } from '../../components/ui';
import { formatDateTime } from '../../format';
import { issueAt, LocationPicker, ProductPicker, SelectField, useLocationParam } from './admin-ui';

type StoreLayout = components['schemas']['StoreLayout'];
type StoreLayoutInput = components['schemas']['StoreLayoutInput'];
type NodeKind = components['schemas']['LayoutNode']['kind'];

/** A point being edited. `key` is stable while its `id` is typed, so walkways and placements stay attached. */
export interface NodeRow {
  key: string;
  id: string;
  kind: NodeKind;
  x: string;
  y: string;
  label: string;
}
/** A walkway between two points, by their keys. */
export interface EdgeRow {
  from: string;
  to: string;
  distance: string;
}
/** What sits at a point (by its key): a product or a category. */
export interface PlacementRow {
  nodeKey: string;
  productId?: string;
  productName?: string;
  category?: string;
}
export interface LayoutDraft {
  nodes: NodeRow[];
  edges: EdgeRow[];
  placements: PlacementRow[];
}

const nodeKinds: { value: NodeKind; label: string }[] = [
  { value: 'entrance', label: 'Entrance' },
  { value: 'aisle', label: 'Aisle' },
  { value: 'checkout', label: 'Checkout' },
];

/** A new layout: an entrance and a checkout ten metres apart, joined by one walkway. */
export function starterDraft(): LayoutDraft {
  return {
    nodes: [
      { key: 'n0', id: 'entrance', kind: 'entrance', x: '0', y: '0', label: 'Entrance' },
      { key: 'n1', id: 'checkout', kind: 'checkout', x: '10', y: '0', label: 'Checkout' },
    ],
    edges: [{ from: 'n0', to: 'n1', distance: '10' }],
    placements: [],
  };
}

export function draftFromLayout(layout: StoreLayout): LayoutDraft {
  const keyOf = new Map(layout.nodes.map((node, index) => [node.id, `n${index}`]));
  const key = (id: string) => keyOf.get(id) ?? id;
  return {
    nodes: layout.nodes.map((node, index) => ({
      key: `n${index}`,
      id: node.id,
      kind: node.kind,
      x: String(node.x),
      y: String(node.y),
      label: node.label ?? '',
    })),
    edges: layout.edges.map((edge) => ({
      from: key(edge.from),
      to: key(edge.to),
      distance: String(edge.distance),
    })),
    placements: layout.placements.map((placement) => ({
      nodeKey: key(placement.nodeId),
      ...(placement.productId !== undefined ? { productId: placement.productId } : {}),
      ...(placement.category !== undefined ? { category: placement.category } : {}),
    })),
  };
}

/** A new point: the first unused `aisle-<n>` id and a key no other point has. */
export function newAisle(nodes: NodeRow[]): NodeRow {
  const taken = new Set(nodes.map((node) => node.id));
  let n = 1;
  while (taken.has(`aisle-${n}`)) n += 1;
  const keys = nodes.map((node) => Number(node.key.slice(1))).filter(Number.isFinite);
  return { key: `n${Math.max(-1, ...keys) + 1}`, id: `aisle-${n}`, kind: 'aisle', x: '0', y: '0', label: '' };
}

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/**
 * The `PUT` body for a draft. Positions and distances must be numbers (reported per cell, keyed by the
 * request path the server would use: `nodes.2.x`); an empty distance is the straight line between the
 * two points, rounded to 10 cm. Graph rules are left to the server.
 */
export function layoutRequest(
  draft: LayoutDraft,
): { body: StoreLayoutInput } | { problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const nodes = draft.nodes.map((row, index) => {
    const x = parseNumber(row.x);
    const y = parseNumber(row.y);
    if (x === undefined) problems[`nodes.${index}.x`] = 'Write a number of metres, like 12.5.';
    if (y === undefined) problems[`nodes.${index}.y`] = 'Write a number of metres, like 12.5.';
    return {
      id: row.id.trim(),
      kind: row.kind,
      x: x ?? 0,
      y: y ?? 0,
      ...(row.label.trim() ? { label: row.label.trim() } : {}),
    };
  });
  const byKey = new Map(draft.nodes.map((row, index) => [row.key, nodes[index]]));
  const idOf = (key: string) => byKey.get(key)?.id ?? key;
  const edges = draft.edges.map((row, index) => {
    let distance = row.distance.trim() === '' ? undefined : parseNumber(row.distance);
    if (row.distance.trim() === '') {
      const a = byKey.get(row.from);
      const b = byKey.get(row.to);
      if (a && b) distance = Math.round(Math.hypot(a.x - b.x, a.y - b.y) * 10) / 10;
      else problems[`edges.${index}.distance`] = 'Give the distance: one end is not a known point.';
    } else if (distance === undefined) {
      problems[`edges.${index}.distance`] = 'Write a number of metres, like 4.';
    }
    return { from: idOf(row.from), to: idOf(row.to), distance: distance ?? 0 };
  });
  if (Object.keys(problems).length > 0) return { problems };
  const placements = draft.placements.map((row) =>
    row.productId !== undefined
      ? { nodeId: idOf(row.nodeKey), productId: row.productId }
      : { nodeId: idOf(row.nodeKey), category: row.category ?? '' },
  );
  return { body: { nodes, edges, placements } };
}

/** An input inside a table cell: named for screen readers by `label`, its error announced with it. */
function CellInput({
  label,
  error,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string | undefined }) {
  const id = useId();
  return (
    <>
      <input
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...input}
      />
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </>
  );
}

function CellSelect({
  label,
  value,
  onChange,
  options,
  error,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <>
      <select
        aria-label={label}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </>
  );
}

function ProductName({ productId, known }: { productId: string; known?: string | undefined }) {
  const api = useApi();
  const product = useQuery({
    queryKey: ['products', 'one', productId],
    queryFn: async () => unwrap(await api.GET('/products/{id}', { params: { path: { id: productId } } })),
    enabled: known === undefined,
  });
  if (known !== undefined) return <>{known}</>;
  if (product.isSuccess) return <>{product.data.name}</>;
  return <span className="muted">{product.isPending ? 'Loading…' : `product ${productId}`}</span>;
}

function LayoutEditor({ locationId, layout }: { locationId: string; layout: StoreLayout | null }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<LayoutDraft>(() => (layout ? draftFromLayout(layout) : starterDraft()));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [shelf, setShelf] = useState('');
  const [category, setCategory] = useState('');
  const save = useMutation({
    mutationFn: async (body: StoreLayoutInput) =>
      unwrap(await api.PUT('/store-layouts/{locationId}', { params: { path: { locationId } }, body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['store-layout', locationId], saved);
      setDraft(draftFromLayout(saved));
    },
  });
  /** Row indexes shift when rows come and go, so earlier answers would point at the wrong cells. */
  const change = (next: (current: LayoutDraft) => LayoutDraft, structural = false) => {
    setDraft(next);
    if (structural) {
      setProblems({});
      save.reset();
    }
  };
  const error = (path: string) => problems[path] ?? issueAt(save.error, path);
  const cellPaths = [
    ...draft.nodes.flatMap((_, i) => ['id', 'kind', 'x', 'y', 'label'].map((key) => `nodes.${i}.${key}`)),
    ...draft.edges.flatMap((_, i) => ['from', 'to', 'distance'].map((key) => `edges.${i}.${key}`)),
    ...draft.placements.flatMap((_, i) => [`placements.${i}.nodeId`, `placements.${i}.productId`]),
    'nodes',
    'edges',
  ];
  const describeNode = (node: NodeRow) => (node.label ? `${node.label} (${node.id})` : node.id);
  const nodeOptions = draft.nodes.map((node) => ({ value: node.key, label: describeNode(node) }));
  const aisles = draft.nodes.filter((node) => node.kind === 'aisle');
  const shelfNode = aisles.find((node) => node.key === shelf) ?? aisles[0];

  const setNode = (index: number, patch: Partial<NodeRow>) =>
    change((current) => ({
      ...current,
      nodes: current.nodes.map((node, i) => (i === index ? { ...node, ...patch } : node)),
    }));
  const setEdge = (index: number, patch: Partial<EdgeRow>) =>
    change((current) => ({
      ...current,
      edges: current.edges.map((edge, i) => (i === index ? { ...edge, ...patch } : edge)),
    }));

  const addAisle = () =>
    change((current) => {
      const aisle = newAisle(current.nodes);
      const last = current.nodes.at(-1);
      return {
        ...current,
        nodes: [...current.nodes, aisle],
        // A new aisle starts joined to the point before it, so the graph stays connected.
        edges: last ? [...current.edges, { from: last.key, to: aisle.key, distance: '' }] : current.edges,
      };
    }, true);
  const removeNode = (index: number) =>
    change((current) => {
      const gone = current.nodes[index]?.key;
      return {
        nodes: current.nodes.filter((_, i) => i !== index),
        edges: current.edges.filter((edge) => edge.from !== gone && edge.to !== gone),
        placements: current.placements.filter((placement) => placement.nodeKey !== gone),
      };
    }, true);
  const addEdge = () =>
    change(
      (current) => ({
        ...current,
        edges: [
          ...current.edges,
          { from: current.nodes[0]?.key ?? '', to: current.nodes.at(-1)?.key ?? '', distance: '' },
        ],
      }),
      true,
    );
  const removeEdge = (index: number) =>
    change((current) => ({ ...current, edges: current.edges.filter((_, i) => i !== index) }), true);
  const addPlacement = (row: PlacementRow) =>
    change((current) => ({ ...current, placements: [...current.placements, row] }), true);
  const removePlacement = (index: number) =>
    change((current) => ({ ...current, placements: current.placements.filter((_, i) => i !== index) }), true);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const request = layoutRequest(draft);
    if ('problems' in request) {
      setProblems(request.problems);
      return;
    }
    setProblems({});
    save.mutate(request.body);
  };
  const addCategory = (event: FormEvent) => {
    event.preventDefault();
    if (!shelfNode || !category.trim()) return;
    addPlacement({ nodeKey: shelfNode.key, category: category.trim() });
    setCategory('');
  };

  return (
    <>
      <form onSubmit={submit} noValidate aria-label="Store layout">
        <p className="muted">
          {layout
            ? `Version ${layout.version}, saved ${formatDateTime(layout.updatedAt)}.`
            : 'This location has no layout yet: start from an entrance and a checkout.'}
        </p>
        <h2>Points</h2>
        {error('nodes') && <p className="field-error">{error('nodes')}</p>}
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Points of the store: entrance, aisles, checkouts</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Kind</th>
                <th scope="col">East (m)</th>
                <th scope="col">North (m)</th>
                <th scope="col">Label</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.nodes.map((node, i) => (
                <tr key={node.key}>
                  <td>
                    <CellInput
                      label={`Point ${i + 1} id`}
                      size={10}
                      value={node.id}
                      onChange={(event) => setNode(i, { id: event.target.value })}
                      error={error(`nodes.${i}.id`)}
                    />
                  </td>
                  <td>
                    <CellSelect
                      label={`Point ${i + 1} kind`}
                      value={node.kind}
                      onChange={(kind) => setNode(i, { kind: kind as NodeKind })}
                      options={nodeKinds}
                      error={error(`nodes.${i}.kind`)}
                    />
                  </td>
                  <td>
                    <CellInput
                      label={`Point ${i + 1} metres east`}
                      inputMode="decimal"
                      size={6}
                      value={node.x}
                      onChange={(event) => setNode(i, { x: event.target.value })}
                      error={error(`nodes.${i}.x`)}
                    />
                  </td>
                  <td>
                    <CellInput
                      label={`Point ${i + 1} metres north`}
                      inputMode="decimal"
                      size={6}
                      value={node.y}
                      onChange={(event) => setNode(i, { y: event.target.value })}
                      error={error(`nodes.${i}.y`)}
                    />
                  </td>
                  <td>
                    <CellInput
                      label={`Point ${i + 1} label`}
                      size={12}
                      maxLength={100}
                      value={node.label}
                      onChange={(event) => setNode(i, { label: event.target.value })}
                      error={error(`nodes.${i}.label`)}
                    />
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => removeNode(i)}>
                      Remove<span className="sr-only"> point {node.id}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p>
          <button type="button" className="secondary" onClick={addAisle}>
            Add aisle
          </button>
        </p>

        <h2>Walkways</h2>
        {error('edges') && <p className="field-error">{error('edges')}</p>}
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Walkways between points, with their length</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Distance (m)</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.edges.map((edge, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: walkways have no identity but their position
                <tr key={i}>
                  <td>
                    <CellSelect
                      label={`Walkway ${i + 1} from`}
                      value={edge.from}
                      onChange={(from) => setEdge(i, { from })}
                      options={nodeOptions}
                      error={error(`edges.${i}.from`)}
                    />
                  </td>
                  <td>
                    <CellSelect
                      label={`Walkway ${i + 1} to`}
                      value={edge.to}
                      onChange={(to) => setEdge(i, { to })}
                      options={nodeOptions}
                      error={error(`edges.${i}.to`)}
                    />
                  </td>
                  <td>
                    <CellInput
                      label={`Walkway ${i + 1} distance in metres`}
                      inputMode="decimal"
                      size={6}
                      placeholder="straight line"
                      value={edge.distance}
                      onChange={(event) => setEdge(i, { distance: event.target.value })}
                      error={error(`edges.${i}.distance`)}
                    />
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => removeEdge(i)}>
                      Remove<span className="sr-only"> walkway {i + 1}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p>
          <button type="button" className="secondary" onClick={addEdge}>
            Add walkway
          </button>
        </p>

        <h2>What sits where</h2>
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Products and categories by aisle</caption>
            <thead>
              <tr>
                <th scope="col">Aisle</th>
                <th scope="col">Product or category</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.placements.map((placement, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the same product may sit in two aisles
                <tr key={i}>
                  <td>
                    <CellSelect
                      label={`Placement ${i + 1} aisle`}
                      value={placement.nodeKey}
                      onChange={(nodeKey) =>
                        change((current) => ({
                          ...current,
                          placements: current.placements.map((p, j) => (j === i ? { ...p, nodeKey } : p)),
                        }))
                      }
                      options={nodeOptions}
                      error={error(`placements.${i}.nodeId`)}
                    />
                  </td>
                  <td>
                    {placement.productId !== undefined ? (
                      <ProductName productId={placement.productId} known={placement.productName} />
                    ) : (
                      <>Category: {placement.category}</>
                    )}
                    {error(`placements.${i}.productId`) && (
                      <small className="field-error"> {error(`placements.${i}.productId`)}</small>
                    )}
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => removePlacement(i)}>
                      Remove<span className="sr-only"> placement {i + 1}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {draft.placements.length === 0 && <p className="muted">Nothing placed yet.</p>}
        <FormError error={save.error} fieldPaths={cellPaths} />
        {Object.keys(problems).length > 0 && (
          <p role="alert" className="form-error">
            Fix the cells marked in the tables.
          </p>
        )}
        <p role="status">{save.isSuccess ? `Saved version ${save.data.version}.` : ''}</p>
        <button type="submit" disabled={save.isPending}>
          Save layout
        </button>
      </form>

      <section className="card" aria-labelledby="place-title">
        <h2 id="place-title">Place products and categories</h2>
        {aisles.length === 0 ? (
          <p className="muted">Add an aisle first: products and categories sit in aisles.</p>
        ) : (
          <>
            <SelectField
              label="Aisle"
              value={shelfNode?.key ?? ''}
              onChange={(event) => setShelf(event.target.value)}
            >
              {aisles.map((node) => (
                <option key={node.key} value={node.key}>
                  {describeNode(node)}
                </option>
              ))}
            </SelectField>
            <form onSubmit={addCategory} className="inline-form">
              <Field
                label="Category"
                value={category}
                onChange={(event) => setCategory(event.target.value)}
              />
              <button type="submit" className="secondary">
                Add category
              </button>
            </form>
            <ProductPicker
              label="Product"
              actionLabel={`Place at ${shelfNode ? describeNode(shelfNode) : ''}`}
              onPick={(product) =>
                shelfNode &&
                addPlacement({ nodeKey: shelfNode.key, productId: product.id, productName: product.name })
              }
            />
          </>
        )}
        <p className="muted">Placements are saved with the layout.</p>
      </section>
    </>
  );
}

export function AdminLayoutsScreen() {
  const api = useApi();
  const [locationId, setLocationId] = useLocationParam();
  const layout = useQuery({
    queryKey: ['store-layout', locationId],
    queryFn: async () => {
      try {
        return unwrap(await api.GET('/store-layouts/{locationId}', { params: { path: { locationId } } }));
      } catch (error) {
        // No layout yet is a normal state for a new location: the editor starts a fresh one.
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    enabled: locationId !== '',
  });
  return (
    <Page title="Store layouts (admin)">
      <div className="form">
        <LocationPicker value={locationId} onChange={setLocationId} />
      </div>
      {!locationId && <p className="muted">Choose a store location to see and edit its layout.</p>}
      {locationId && layout.isPending && (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {locationId && layout.isError && <FormError error={layout.error} />}
      {locationId && layout.isSuccess && (
        <LayoutEditor key={locationId} locationId={locationId} layout={layout.data} />
      )}
    </Page>
  );
}
