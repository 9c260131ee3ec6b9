/* SPDX-License-Identifier: Apache-2.0 */
/* qvet's version, for files qvet writes (model descriptions, generated sources) and --version. */
#ifndef QVET_VERSION_H
#define QVET_VERSION_H

#define QV_VERSION_MAJOR 0
#define QV_VERSION_MINOR 1
#define QV_VERSION_PATCH 0
#define QV_VERSION_STRING "0.1.0"

#endif
