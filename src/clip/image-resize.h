// A window of Pillow's antialiased bicubic resize (ants/image.h resize_bicubic), computed alone.
#pragma once

#include <ants/image.h>

namespace ants {

// The pixels [x, x + w) × [y, y + h) of resize_bicubic(image, width, height), byte-identical, at
// the cost of the window: preprocessing computes only the centre crop, so an elongated image
// never makes its whole resized copy.
ImageRGB8 resize_bicubic_window(const ImageRGB8& image, int width, int height, int x, int y, int w, int h);

}  // namespace ants
