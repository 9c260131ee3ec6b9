/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include "qvet/qvet.h"
int main(void)
{
    printf("qvet %s\n", QV_VERSION_STRING);
    return 0;
}
