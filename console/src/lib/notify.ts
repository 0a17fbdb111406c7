import { notifications } from '@mantine/notifications';

export function saved(message: string) {
  notifications.show({ color: 'green', message, autoClose: 3000 });
}
