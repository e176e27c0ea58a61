/** The admin landing page: what each admin screen is for, with a link to it. */
import { Link } from 'react-router';
import { Page } from '../../components/ui';
import { adminSections } from './admin-sections';

export function AdminHomeScreen() {
  return (
    <Page title="Admin">
      <ul className="grid plain">
        {adminSections.map((section) => (
          <li key={section.path} className="card">
            <h2>
              <Link to={section.path}>{section.label}</Link>
            </h2>
            <p className="muted">{section.about}</p>
          </li>
        ))}
      </ul>
    </Page>
  );
}
