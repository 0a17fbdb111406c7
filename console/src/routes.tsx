import { Navigate, createBrowserRouter } from 'react-router-dom';

import { ForgotPassword, SetPassword, SignIn, SignUp } from './screens/AuthScreens';
import { ContractPage } from './screens/ContractPage';
import { InvoicePage } from './screens/InvoicePage';
import { Invoices } from './screens/Invoices';
import { InvoicingSettings } from './screens/InvoicingSettings';
import { Layout } from './screens/Layout';
import { OrganizationPage } from './screens/OrganizationPage';
import { OrganizationEdit, Organizations } from './screens/Organizations';
import { PaymentMethods } from './screens/PaymentMethods';
import { InvoicingRuns, PlatformFees } from './screens/RunsAndFees';
import { Users } from './screens/Users';

export const router = createBrowserRouter(
  [
    { path: '/signin', element: <SignIn /> },
    { path: '/signup', element: <SignUp /> },
    { path: '/reset', element: <ForgotPassword /> },
    { path: '/reset/:token', element: <SetPassword kind="reset" /> },
    { path: '/invite/:token', element: <SetPassword kind="invite" /> },
    {
      element: <Layout />,
      children: [
        { index: true, element: <Navigate to="/invoices" replace /> },
        { path: '/invoices', element: <Invoices /> },
        { path: '/invoices/:id', element: <InvoicePage /> },
        { path: '/organizations', element: <Organizations /> },
        { path: '/organizations/new', element: <OrganizationEdit /> },
        { path: '/organizations/:id', element: <OrganizationPage /> },
        { path: '/organizations/:id/edit', element: <OrganizationEdit /> },
        { path: '/contracts/:id', element: <ContractPage /> },
        { path: '/runs', element: <InvoicingRuns /> },
        { path: '/fees', element: <PlatformFees /> },
        { path: '/settings/invoicing', element: <InvoicingSettings /> },
        { path: '/settings/payment-methods', element: <PaymentMethods /> },
        { path: '/settings/users', element: <Users /> },
        { path: '*', element: <Navigate to="/invoices" replace /> },
      ],
    },
  ],
  { basename: '/app' },
);
