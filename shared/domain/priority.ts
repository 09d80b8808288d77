/** Priorities from this one up travel the priority lane and take the rate limiter's next slots. */
export const PRIORITY_LANE = 5;
/** Urgent: goes through quiet hours. */
export const URGENT = 10;

/** Whether a notification travels the priority lane; rule notifications have no priority. */
export const isPriority = (priority: number | undefined): boolean => (priority ?? 0) >= PRIORITY_LANE;
