/**
 * @tanstack/query-core wired to Preact hooks: one QueryClient, `useQuery` over a QueryObserver and
 * `useMutation` over a MutationObserver (the same pattern react-query uses, in a few lines).
 */
import {
  MutationObserver,
  QueryClient,
  QueryObserver,
  type MutateOptions,
  type MutationObserverOptions,
  type MutationObserverResult,
  type QueryKey,
  type QueryObserverOptions,
  type QueryObserverResult,
} from '@tanstack/query-core';
import { useCallback, useEffect, useReducer, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a dropped connection may.
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      staleTime: 2_000,
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false },
  },
});

/** Subscribes the component to a query; re-renders when its result changes. */
export function useQuery<T, K extends QueryKey = QueryKey>(options: QueryObserverOptions<T, ApiError, T, T, K>): QueryObserverResult<T, ApiError> {
  const defaulted = queryClient.defaultQueryOptions(options);
  const [observer] = useState(() => new QueryObserver<T, ApiError, T, T, K>(queryClient, defaulted));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const unsubscribe = observer.subscribe(() => rerender(0));
    observer.updateResult();
    return unsubscribe;
  }, [observer]);
  useEffect(() => observer.setOptions(defaulted));
  return observer.getOptimisticResult(defaulted);
}

export type MutationResult<T, V> = Omit<MutationObserverResult<T, ApiError, V>, 'mutate'> & {
  /** Fire and forget: errors land in `error`, never as an unhandled rejection. */
  mutate: (variables: V, opts?: MutateOptions<T, ApiError, V>) => void;
};

/** A mutation bound to the component (pending, error and data state). */
export function useMutation<T, V = void>(options: MutationObserverOptions<T, ApiError, V>): MutationResult<T, V> {
  const [observer] = useState(() => new MutationObserver<T, ApiError, V>(queryClient, options));
  const [result, setResult] = useState(() => observer.getCurrentResult());
  useEffect(() => observer.subscribe(setResult), [observer]);
  useEffect(() => observer.setOptions(options));
  // The error is the observer's state (result.error), which the component shows; the rejected promise adds nothing.
  const mutate = useCallback((variables: V, opts?: MutateOptions<T, ApiError, V>) => void observer.mutate(variables, opts).catch(() => undefined), [observer]);
  return { ...result, mutate };
}
