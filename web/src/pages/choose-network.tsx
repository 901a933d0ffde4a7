import { Link, useParams } from 'wouter-preact';
import { call } from '../api';
import { Empty, ErrorNote, Loading, useLoad } from '../ui';

/** A section was opened before any network was chosen: pick one. */
export function ChooseNetwork() {
  const { section } = useParams<{ section: string }>();
  const list = useLoad(() => call('ListNetworks', { maxResults: 100 }), []);
  return (
    <section>
      <h1>Choose a network</h1>
      {list.loading ? <Loading what="networks" /> : null}
      <ErrorNote error={list.error} />
      {list.data && list.data.networks.length === 0 ? (
        <Empty>
          There are no networks yet. <Link href="/networks">Create one</Link> first.
        </Empty>
      ) : null}
      <ul class="plain">
        {list.data?.networks.map((n) => (
          <li key={n.networkId}>
            <Link href={`/networks/${n.networkId}/${section}`}>
              {n.networkName} ({n.networkId})
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
