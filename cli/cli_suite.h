/* The comparison suite's file format, shared by `lil bench suite` (writes) and `lil report`
 * (reads). Bump LIL_SUITE_VERSION whenever an item, a shape or the meaning of a ratio changes. */
#ifndef LIL_CLI_SUITE_H
#define LIL_CLI_SUITE_H

#define LIL_SUITE_VERSION 1

#endif
