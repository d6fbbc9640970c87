import { useState } from 'react';

/**
 * What a screen is doing besides listing (a dialog open on a row, a form), and the notice its
 * last change left: `done` closes the task, says what changed and reloads the list.
 */
export function useTask<Task>(reload: () => void): {
  task: Task | null;
  open: (task: Task) => void;
  close: () => void;
  notice?: string;
  setNotice: (notice: string | undefined) => void;
  done: (message: string) => void;
} {
  const [task, setTask] = useState<Task | null>(null);
  const [notice, setNotice] = useState<string>();
  const done = (message: string) => {
    setTask(null);
    setNotice(message);
    reload();
  };
  return { task, open: setTask, close: () => setTask(null), notice, setNotice, done };
}
