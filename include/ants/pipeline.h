// ants/pipeline.h — everything from image files to OOD scores in one include: inputs and class
// lists (inputs.h), cached image embeddings (embed.h), the method over a model (scorer.h),
// streams and checkpoints (stream.h), the OpenOOD evaluation and its report (eval.h), ablation
// grids (ablation.h), and the built-in demo data (demo.h).
#pragma once

#include <ants/ablation.h>
#include <ants/demo.h>
#include <ants/embed.h>
#include <ants/eval.h>
#include <ants/inputs.h>
#include <ants/scorer.h>
#include <ants/stream.h>
