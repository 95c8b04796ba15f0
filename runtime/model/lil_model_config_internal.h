/* Private to runtime/model: tensor binding, called by lil_model_config_load once the
 * hyperparameters are validated. */
#ifndef LIL_MODEL_CONFIG_INTERNAL_H
#define LIL_MODEL_CONFIG_INTERNAL_H

#include "lil_model_config.h"

/* Fills the tensor pointers of c (layers already allocated), checking names, shapes and types. */
lil_status lil_model_bind_tensors(const lil_gguf *g, lil_model_config *c, lil_error *err);

#endif
