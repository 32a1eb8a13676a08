"""Where each of the benchmark's recipes differs from the paper it cites, by the study's model
label: architecture size, learning rate, length. Every sentence was checked against the preset
file (and the model it builds) and against the paper's text, or, where the text could not be
read, the authors' code, which the note then names. The page prints them as they are."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecipeNote:
    source: str  # the paper, and the part of it (or of its authors' code) the sentences rest on
    sentences: tuple[str, ...]


# gankit's networks behind every MNIST-family preset of the study (models/dcgan.py, g_width 32,
# d_width 64)
_GANKIT_DCGAN = (
    "gankit's 28x28 DCGAN (G maps z to 7x7 with 128 maps, then to 14x14 with 64, then to the "
    "image; D has 64 maps at 14x14 and 128 at 7x7, then a 7x7 convolution to one logit)"
)

_DCGAN = (
    "Radford, Metz, Chintala (2016), Unsupervised representation learning with deep "
    "convolutional GANs (DCGAN): §3, §4, §5.1 and Figures 1 to 3"
)
_SNGAN = (
    "Miyato, Kataoka, Koyama, Yoshida (2018), Spectral normalization for generative "
    "adversarial networks: §4, Tables 1 to 3 and Appendix B"
)
_LSGAN = (
    "Mao, Li, Xie, Lau, Wang, Smolley (2017), Least squares generative adversarial networks; "
    "its text could not be read, so the values are from the authors' code (xudonmao/LSGAN: "
    "train_chn.py, train_lsun.py, vgg.py)"
)
_PACGAN = (
    "Lin, Khetan, Fanti, Oh (2018), PacGAN, Table 2 (the 'VEEGAN setting') as the authors' "
    "code runs it (fjxmlzn/PacGAN, stacked_MNIST_experiments/VEEGAN_experiment), read in "
    "docs/results/pacgan2018.md"
)

NOTES: dict[str, RecipeNote] = {
    "dcgan": RecipeNote(
        _DCGAN,
        (
            "No paper trains this recipe: it is gankit's previous default preset, on DCGAN's "
            "architecture rules (strided and fractionally-strided convolutions, BatchNorm, ReLU "
            "in G, LeakyReLU 0.2 in D, weights drawn from N(0, 0.02)), class-conditional "
            "through a one-hot class in G's input and as input planes of D.",
            f"Size: {_GANKIT_DCGAN}, from a 64-d normal z; DCGAN's LSUN generator turns a "
            "100-d uniform z into 64x64 images through four fractionally-strided convolutions "
            "(Figure 1), and its ImageNet discriminator has 512 maps in its highest layer "
            "(§5.1).",
            "Learning rate: Adam 5e-4 for both networks, betas (0.5, 0.999), batch 64; DCGAN "
            "found Adam's suggested 1e-3 too high and trained at 2e-4 with beta1 0.5, batch "
            "128 (§4).",
            "Loss: the hinge loss, with samples drawn from an averaged generator (EMA, decay "
            "0.995); neither is part of DCGAN's recipe.",
            "Length: 3,000 iterations of 64 images, 192,000 images or 3.2 passes over MNIST's "
            "60,000 training images; DCGAN shows LSUN bedrooms after one pass over its 3 "
            "million images and after five (Figures 2 and 3).",
            "So no published number scores this recipe: compare its rows with the other rows "
            "and with the real-data floor.",
        ),
    ),
    "dcgan-projection": RecipeNote(
        "Miyato, Koyama (2018), cGANs with projection discriminator; the values are from the "
        "authors' configurations (pfnet-research/sngan_projection: configs/sn_projection.yml, "
        "configs/sn_cifar10.yml)",
        (
            "gankit's default preset: dcgan with the projection discriminator (D adds to its "
            "logit the inner product of a learned class embedding with its features, instead "
            "of reading the class as input planes), trained longer; every other setting is "
            "dcgan's.",
            "Length: 4,000 iterations of 64 images, 256,000 images or 4.3 passes over MNIST's "
            "60,000 training images: about 10 minutes of training on 2 AVX2 cores "
            "(docs/results/default-recipe.md), where dcgan's 3,000 take about 7.5.",
            "Recipe: the configurations train ResNets with a spectrally normalised D, the hinge "
            "loss, Adam 2e-4 with betas (0, 0.9) and 5 D steps per G step, for 450,000 "
            "iterations on 128x128 ImageNet (sn_projection.yml) and 50,000 on CIFAR-10 "
            "(sn_cifar10.yml); gankit keeps dcgan's BatchNorm D, Adam 5e-4 with betas (0.5, "
            "0.999) and one D step.",
        ),
    ),
    "dcgan-projection-r1": RecipeNote(
        "Mescheder, Geiger, Nowozin (2018), Which training methods for GANs do actually "
        "converge?; its text could not be read, so the values are from the authors' "
        "configurations (LMescheder/GAN_stability: configs/default.yaml, configs/imagenet.yaml)",
        (
            "gankit's quality preset: dcgan-projection with the R1 penalty (the squared "
            "gradient norm of D at the real images) on D, trained 3.5 times as long; every "
            "other setting is dcgan-projection's.",
            "Weight: gamma 1, the weight the recipe search trained longest (0.1 and 0.3 were "
            "tried only at 2,600 iterations, docs/results/default-recipe.md, stage 5); the "
            "configurations use 10 (reg_param).",
            "Length: 14,000 iterations of 64 images, 896,000 images or about 15 passes over "
            "MNIST's 60,000 training images, each iteration about 1.5 times as long as "
            "dcgan-projection's; the configurations train ResNets with the standard GAN loss "
            "at learning rate 1e-4 for far longer on larger images.",
        ),
    ),
    "dcgan-uncond": RecipeNote(
        _DCGAN,
        (
            "The dcgan recipe without the class: G and D see no label. Every other setting, "
            "and so every difference from DCGAN that the dcgan note lists, is the same.",
        ),
    ),
    "dcgan-uncond + spectral norm on D": RecipeNote(
        _SNGAN,
        (
            "The switch alone: spectral normalisation of every D weight at dcgan-uncond's "
            "recipe, with D's BatchNorm kept and Adam at 5e-4; the sngan preset is the paper's "
            "recipe instead (no normalisation layer in D, as the standard CNN of Table 3, and "
            "setting C's 2e-4).",
        ),
    ),
    "dcgan-uncond + LSGAN loss": RecipeNote(
        _LSGAN,
        (
            "The switch alone: the least-squares loss (D pulls real outputs to 1 and generated "
            "ones to 0, G pulls generated ones to 1, as the authors' vgg.py codes it) at "
            "dcgan-uncond's Adam 5e-4; the lsgan preset takes the 2e-4 of the authors' 28x28 "
            "script instead.",
        ),
    ),
    "dcgan-uncond + R1, gamma 1": RecipeNote(
        "Mescheder, Geiger, Nowozin (2018), Which training methods for GANs do actually "
        "converge?; its text could not be read, so the values are from the authors' "
        "configurations (LMescheder/GAN_stability: configs/default.yaml, configs/imagenet.yaml)",
        (
            "Weight: gamma 1; the configurations use 10 (reg_param).",
            "Recipe: dcgan-uncond's hinge loss, Adam 5e-4, batch 64 and 3,000 iterations; the "
            "configurations train ResNets with the standard GAN loss (gan_type: standard) at "
            "learning rate 1e-4, with RMSprop at batch 64 (default.yaml) or Adam at batch 128 "
            "(imagenet.yaml), and an averaged generator of beta 0.999.",
        ),
    ),
    "dcgan-uncond + DiffAugment (translation, cutout)": RecipeNote(
        "Zhao, Liu, Lin, Zhu, Han (2020), Differentiable augmentation for data-efficient GAN "
        "training; the values are from the authors' BigGAN CIFAR-10 scripts "
        "(mit-han-lab/data-efficient-gans: DiffAugment-biggan-cifar/scripts)",
        (
            "Policy: translation and cutout, the policy of those scripts "
            "(DiffAugment-biggan-cifar10.sh).",
            "Data: all 60,000 MNIST training images; the scripts also train on 10% of CIFAR-10 "
            "(5,000 images, DiffAugment-biggan-cifar10-0.1.sh), the low-data setting the "
            "method is for.",
            "Recipe: dcgan-uncond's, 3,000 iterations of 64 with one D step; the scripts train "
            "BigGAN with 4 D steps per G step, Adam 2e-4, batch 50, for 1,000 epochs (5,000 on "
            "the 10% subset).",
        ),
    ),
    "sngan": RecipeNote(
        _SNGAN,
        (
            "Optimiser: setting C of Table 1 (Adam 2e-4, betas (0.5, 0.999), one D step per G "
            "step, the setting Table 1 marks as Radford et al.'s), one of the six the paper "
            "tests.",
            "D: spectral normalisation of every weight and no BatchNorm, as the standard CNN "
            "of Table 3; loss: hinge, the paper's eq. (17), which Table 2 lists as its own row "
            "beside the standard loss.",
            f"Size: {_GANKIT_DCGAN}, LeakyReLU 0.2 and a 64-d z; the standard CNN maps a 128-d "
            "z to 4x4 with 512 maps and upsamples through 256, 128 and 64 maps to 32x32, and "
            "its D has seven convolutions of 64 to 512 maps with LeakyReLU 0.1 (Table 3).",
            "Length: 3,000 iterations; the paper trains 100K generator updates (§4), on "
            "CIFAR-10 and STL-10, not MNIST.",
            "gankit scores an averaged generator (EMA, decay 0.995, from dcgan), which Table "
            "1's settings do not include.",
        ),
    ),
    "lsgan": RecipeNote(
        _LSGAN,
        (
            "Loss: least squares with the 0-1 coding (D pulls real outputs to 1 and generated "
            "ones to 0, G pulls generated ones to 1), as the authors' vgg.py codes it.",
            "Learning rate: Adam 2e-4 with beta1 0.5, batch 64, as the authors' script for "
            "28x28 handwritten characters (train_chn.py); their 112x112 scene script "
            "(train_lsun.py) uses 1e-3.",
            f"Size: {_GANKIT_DCGAN}, from a 64-d normal z; the scene model's G (vgg.py) maps a "
            "1,024-d uniform z to 7x7 with 256 maps and upsamples through transposed "
            "convolutions of 256, 256, 256, 256, 128 and 64 maps to 112x112, and its D has 64 "
            "to 512 maps.",
            "Length: 3,000 iterations; the authors' scripts run up to 1,000,000 steps "
            "(max_steps), and the length behind the paper's figures is not in them.",
            "gankit scores an averaged generator (EMA, decay 0.995, from dcgan); the scripts "
            "sample the generator as trained.",
        ),
    ),
    "wgan-gp": RecipeNote(
        "Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville (2017), Improved training of "
        "Wasserstein GANs: Algorithm 1, §4 and §5; its MNIST script gan_mnist.py "
        "(igul222/improved_wgan_training)",
        (
            "Loss: the gradient penalty of weight 10 and 5 critic steps per generator step, "
            "Algorithm 1's defaults.",
            "Critic: gankit's DCGAN discriminator with LayerNorm in place of BatchNorm, which "
            "§4 recommends as a drop-in replacement; the authors' MNIST script uses no "
            "normalisation in its critic.",
            "Learning rate: Adam 2e-4 with betas (0.5, 0.9) for both networks; Algorithm 1's "
            "defaults are 1e-4 with betas (0, 0.9), and the MNIST script uses 1e-4 with betas "
            "(0.5, 0.9).",
            f"Size: {_GANKIT_DCGAN}, BatchNorm kept in G, a 64-d z; the MNIST script's G maps "
            "128-d noise to 4x4 with 256 maps and upsamples through 128 and 64 maps without "
            "BatchNorm, and its critic has 64, 128 and 256 maps.",
            "Length: 3,000 generator iterations of batch 64; the MNIST script runs 200,000 "
            "generator iterations of batch 50, and §5.2 trains its LSUN models for 200K.",
            "gankit scores an averaged generator (EMA, decay 0.995, from dcgan); the script "
            "samples the generator as trained.",
        ),
    ),
    "dcgan-fashion": RecipeNote(
        _DCGAN,
        (
            "The dcgan recipe unchanged on Fashion-MNIST (60,000 training images of 10 "
            "clothing classes, 28x28 grey): every difference from DCGAN that the dcgan note "
            "lists holds.",
        ),
    ),
    "dcgan-projection-fashion": RecipeNote(
        "Miyato, Koyama (2018), cGANs with projection discriminator (the dcgan-projection note)",
        (
            "The dcgan-projection recipe unchanged on Fashion-MNIST: every difference from the "
            "projection discriminator's configurations that the dcgan-projection note lists "
            "holds.",
        ),
    ),
    "stacked-dcgan": RecipeNote(
        _PACGAN,
        (
            f"Size: {_GANKIT_DCGAN}, on 3 channels, from a 100-d normal z; the code's G maps "
            "100-d uniform noise to 2x2 with 512 maps and upsamples through 256, 128 and 64 "
            "maps, and its D has 64, 128, 256 and 512 maps (the pacgan2018-* presets build "
            "them).",
            "Learning rate: Adam 2e-4, betas (0.5, 0.999), batch 64 and the non-saturating "
            "loss, as the code; the code takes two G steps per D step on the D step's noise, "
            "gankit one on fresh noise.",
            "Data: stacked-mnist, 60,000 images whose channels are drawn from MNIST's training "
            "digits; the code builds 128,000 from the training and test digits pooled "
            "(gankit's stacked-mnist-128k).",
            "Length: 9,000 iterations (3,000 until the benchmark's first seed missed modes "
            "there); the code trains 100,000 (50 epochs of 2,000).",
            "Table 2's rows (its DCGAN: 78.9 modes, KL 4.50) come from the code's protocol, "
            "which `gankit reproduce pacgan2018` runs; this row is not comparable with them.",
        ),
    ),
    "stacked-pacgan2": RecipeNote(
        _PACGAN,
        (
            "The stacked-dcgan recipe with D scoring packs of 2 images stacked along the "
            "channels; every difference that the stacked-dcgan note lists holds.",
            "Batch: gankit's 64 images make 32 packs per side; the code's batch is 64 packs, "
            "128 images, per side.",
            "Table 2's PacDCGAN2 row (1,000 modes, KL 0.06) is of the code's protocol "
            "(`gankit reproduce pacgan2018`), not of this one.",
        ),
    ),
}
