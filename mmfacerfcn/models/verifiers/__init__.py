from .crop_verifier import CropVerifier, grey_pixels

__all__ = ['CropVerifier', 'grey_pixels']
