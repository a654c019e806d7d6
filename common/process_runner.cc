#include "common/process_runner.h"
// placeholder: implemented by the store-side helper
